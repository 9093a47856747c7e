using System.Text.Json;

namespace Ergate;

/// <summary>
/// The run of a graph workflow's job (<see cref="WorkflowStep.After"/>). The job itself runs no
/// step: each step runs as a job of its own (<see cref="JobParent.OneStep"/>), so different
/// workers run the steps whose turn comes together. The job starts the steps that can run,
/// rests WAITING (holding no worker), and each time a step's job finishes and wakes it, it
/// takes the outcomes, marks the steps after a failed one DEFAULTED, starts the steps that can
/// run now (under <see cref="Workflow.MaxConcurrentSteps"/>), and ends once no step runs:
/// COMPLETED with its last steps' results, or FAILED with every step's status stored.
/// </summary>
internal sealed partial class JobRunner
{
    /// <summary>Runs one turn of a graph job: its first delivery or a wake-up from one of its steps' jobs.</summary>
    private async ValueTask RunGraphAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow)
    {
        var now = time.GetUtcNow();
        var starting = job.Steps is null;
        var steps = job.Steps?.ToArray() ?? [.. workflow.Steps.Select(step => new StepState(step.Name, StepStatus.Pending))];
        var outcomes = starting
            ? new Dictionary<string, ChildOutcome>()
            : await Joins.TakeChildOutcomesAsync(ChildJobs.GraphJoinIdOf(job.Id), signals.HardStop).ConfigureAwait(false);
        if (starting)
        {
            await NotifyAsync(static (o, j, _, ct) => o.OnJobStartedAsync(j, ct), job, null).ConfigureAwait(false);
        }

        var finished = TakeFinishedSteps(steps, outcomes);
        DefaultStepsAfterFailures(workflow, steps);
        var launch = StepsToStart(workflow, steps);
        foreach (var index in launch)
        {
            steps[index] = steps[index] with { Status = StepStatus.Running, StartedAt = now, JobId = ChildJobs.StepJobIdOf(job.Id, steps[index].Name) };
        }

        job.Steps = steps;
        job.UpdatedAt = now;
        var done = steps.Count(step => step.Status is StepStatus.Completed or StepStatus.Failed or StepStatus.Defaulted);
        job.StepsCompleted = steps.Count(step => step.Status == StepStatus.Completed);
        job.PercentCompleted = Math.Max(job.PercentCompleted, Math.Round(100.0 * done / steps.Length, 1));
        foreach (var index in finished)
        {
            await NotifyAsync(static (o, j, s, ct) => o.OnStepCompletedAsync(j, (string)s!, ct), job, steps[index].Name).ConfigureAwait(false);
        }

        if (!Array.Exists(steps, step => step.Status == StepStatus.Running))
        {
            await EndGraphAsync(delivery, job, workflow, outcomes).ConfigureAwait(false);
            return;
        }

        if (launch.Count == 0 && finished.Count == 0 && !starting)
        {
            // Nothing changed (a wake-up whose outcome an earlier turn took): nothing to store.
            await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
            await CompleteAsync(delivery, job).ConfigureAwait(false);
            return;
        }

        var stepJobs = await _children.CreateStepJobsAsync(job, [.. launch.Select(index => (workflow.Steps[index], InputOf(job, workflow, index, steps, outcomes)))], signals.HardStop).ConfigureAwait(false);
        await _children.AddToOutboxAsync(stepJobs, signals.HardStop).ConfigureAwait(false);
        job.Status = JobStatus.Waiting;
        job.RequestedStartTime = null;
        if (!await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false))
        {
            return;
        }

        await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
        await _children.EnqueueAsync(stepJobs, signals.HardStop).ConfigureAwait(false);
        Log.GraphStepsStarted(logger, job.Id, string.Join(", ", launch.Select(index => steps[index].Name)), done, steps.Length);
        await CompleteAsync(delivery, job).ConfigureAwait(false);
    }

    /// <summary>Marks each running step whose job recorded its outcome COMPLETED or FAILED; returns their indices.</summary>
    private static List<int> TakeFinishedSteps(StepState[] steps, IReadOnlyDictionary<string, ChildOutcome> outcomes)
    {
        var finished = new List<int>();
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i] is { Status: StepStatus.Running, JobId: { } stepJob } && outcomes.TryGetValue(stepJob, out var outcome))
            {
                steps[i] = steps[i] with { Status = outcome.Status == JobStatus.Completed ? StepStatus.Completed : StepStatus.Failed, FinishedAt = outcome.FinishedAt };
                finished.Add(i);
            }
        }

        return finished;
    }

    /// <summary>Marks DEFAULTED every pending step that runs after a failed or defaulted one, directly or not.</summary>
    private static void DefaultStepsAfterFailures(RegisteredWorkflow workflow, StepState[] steps)
    {
        bool changed;
        do
        {
            changed = false;
            for (var i = 0; i < steps.Length; i++)
            {
                if (steps[i].Status == StepStatus.Pending
                    && workflow.Steps[i].RunsAfter.Any(dependency => steps[dependency].Status is StepStatus.Failed or StepStatus.Defaulted))
                {
                    steps[i] = steps[i] with { Status = StepStatus.Defaulted };
                    changed = true;
                }
            }
        }
        while (changed);
    }

    /// <summary>The pending steps whose steps before them all completed, in the workflow's order, as many as the cap allows beside those running.</summary>
    private static List<int> StepsToStart(RegisteredWorkflow workflow, StepState[] steps)
    {
        var cap = workflow.Graph!.MaxConcurrentSteps;
        var room = cap == 0 ? int.MaxValue : cap - steps.Count(step => step.Status == StepStatus.Running);
        var ready = new List<int>();
        for (var i = 0; i < steps.Length && ready.Count < room; i++)
        {
            if (steps[i].Status == StepStatus.Pending && workflow.Steps[i].RunsAfter.All(dependency => steps[dependency].Status == StepStatus.Completed))
            {
                ready.Add(i);
            }
        }

        return ready;
    }

    /// <summary>
    /// A step's input: the job's input for a first step, the result of the one step it runs
    /// after, or an object holding the result of each step it runs after by that step's name.
    /// </summary>
    private static object? InputOf(Job job, RegisteredWorkflow workflow, int index, StepState[] steps, IReadOnlyDictionary<string, ChildOutcome> outcomes)
    {
        var runsAfter = workflow.Steps[index].RunsAfter;
        return runsAfter.Length switch
        {
            0 => job.InitialInput,
            1 => ResultOf(runsAfter[0]),
            _ => runsAfter.ToDictionary(dependency => steps[dependency].Name, ResultOf),
        };

        JsonElement? ResultOf(int dependency) => outcomes.GetValueOrDefault(steps[dependency].JobId!)?.Result;
    }

    /// <summary>
    /// No step runs any more: the job ends FAILED with the first failed step's error, or
    /// COMPLETED with the result of its last step (an object of their results by name when
    /// several steps have no step after them). Every step's status is stored with it.
    /// </summary>
    private async ValueTask EndGraphAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, IReadOnlyDictionary<string, ChildOutcome> outcomes)
    {
        var steps = job.Steps!;
        if (steps.FirstOrDefault(step => step.Status == StepStatus.Failed) is { } failed)
        {
            var error = outcomes.GetValueOrDefault(failed.JobId!)?.Error;
            var defaulted = steps.Count(step => step.Status == StepStatus.Defaulted);
            var reason = $"Step '{failed.Name}' failed{(error is null ? string.Empty : $": {error.Message}")} ({defaulted} step(s) after it never ran).";
            if (await FailAsync(delivery, job, failed.Name, null, reason).ConfigureAwait(false))
            {
                await ForgetJoinAsync(ChildJobs.GraphJoinIdOf(job.Id)).ConfigureAwait(false);
            }

            return;
        }

        job.LastReturnValue = workflow.Sinks is [var sink]
            ? outcomes.GetValueOrDefault(steps[sink].JobId!)?.Result
            : JsonSerializer.SerializeToElement(workflow.Sinks.ToDictionary(index => steps[index].Name, index => outcomes.GetValueOrDefault(steps[index].JobId!)?.Result), JobSerializer.Options);
        job.Status = JobStatus.Completed;
        job.PercentCompleted = 100;
        job.CurrentStep = workflow.Steps.Length;
        if (!await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false))
        {
            return;
        }

        await ForgetJoinAsync(ChildJobs.GraphJoinIdOf(job.Id)).ConfigureAwait(false);
        await ConcludeCompletedAsync(delivery, job).ConfigureAwait(false);
    }
}
