namespace Ergate.Definitions;

/// <summary>
/// A step written in .NET that definition files run by name (<c>task: resize</c>): register it
/// with <c>builder.AddTask&lt;ResizeImage&gt;("resize")</c>. It is resolved from the app's
/// services for each run (scoped, so it may take scoped services in its constructor). The shapes
/// of <typeparamref name="TInput"/> and <typeparamref name="TOutput"/> are checked against the
/// steps around it when the definitions load.
/// </summary>
/// <typeparam name="TInput">What the step takes, read from the JSON value it receives.</typeparam>
/// <typeparam name="TOutput">What it hands on to the next step.</typeparam>
public interface IWorkflowTask<in TInput, TOutput>
{
    /// <summary>Runs the step. Throw to fail it (the step's retry policy decides what then).</summary>
    /// <param name="input">The step's input.</param>
    /// <param name="context">The job and step it runs in.</param>
    /// <param name="cancellationToken">Fires when the worker stops or the job is cancelled.</param>
    ValueTask<TOutput> RunAsync(TInput input, JobContext context, CancellationToken cancellationToken);
}
