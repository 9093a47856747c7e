using System.Text.Json.Serialization;

namespace Ergate;

/// <summary>One finished step of a job whose steps run one after another (<see cref="Job.History"/>).</summary>
/// <param name="Name">The step's name.</param>
/// <param name="Attempts">The attempt it finished on, from 1.</param>
/// <param name="StartedAt">When that attempt started; null for a step that ran child jobs and finished with them.</param>
/// <param name="FinishedAt">When it finished.</param>
/// <param name="Result">
/// What it handed on: the next step's input. Inside one worker it is the object itself; after a
/// trip through a queue or store it is a <see cref="System.Text.Json.JsonElement"/>.
/// </param>
public sealed record StepRun(string Name, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset FinishedAt, object? Result)
{
    /// <summary>How long the attempt it finished on took, when its start is known.</summary>
    [JsonIgnore]
    public TimeSpan? Duration => FinishedAt - StartedAt;
}
