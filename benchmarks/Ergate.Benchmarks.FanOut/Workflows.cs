using Ergate;

namespace Ergate.Benchmarks.FanOut;

/// <summary>Counts what the contenders wait for: the warm-up job, then the jobs (or the join) that end a run.</summary>
internal sealed class Finish(int expected)
{
    private int _count;

    public TaskCompletionSource WarmedUp { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void One()
    {
        if (Interlocked.Increment(ref _count) == expected)
        {
            Done.TrySetResult();
        }
    }
}

/// <summary>The workflows the contenders run; every step is a no-op.</summary>
internal static class Workflows
{
    /// <summary>Steps of the graph and of the line: 7 branches of 7 steps, and one step after the last of each.</summary>
    public const int GraphSteps = (Branches * Depth) + 1;
    private const int Branches = 7;
    private const int Depth = 7;

    public static IEnumerable<Workflow> All(Finish finish)
    {
        var warmUp = new Workflow("warm-up");
        warmUp.Step("only", (int x) => finish.WarmedUp.TrySetResult());
        yield return warmUp;

        var noOp = new Workflow("no-op");
        noOp.Step("only", (int x) => finish.One());
        yield return noOp;

        var item = new Workflow("item");
        item.Step("only", (int x) => x);
        yield return item;

        var fanOut = new Workflow("fan-out");
        fanOut.Step("split", (int count) => Enumerable.Range(0, count)).ThenRunForEach("item");
        fanOut.Step("join", (int[] results) => finish.One());
        yield return fanOut;

        var line = new Workflow("line");
        for (var i = 0; i < GraphSteps; i++)
        {
            line.Step($"s{i}", i == GraphSteps - 1 ? (int x) => finish.One() : (int x) => x);
        }

        yield return line;

        var graph = new Workflow("graph");
        for (var i = 0; i < GraphSteps - 1; i++)
        {
            var step = graph.Step($"s{i}", (int x) => x);
            if (i >= Branches)
            {
                step.After($"s{i - Branches}");
            }
        }

        graph.Step("end", () => finish.One()).After([.. Enumerable.Range(GraphSteps - 1 - Branches, Branches).Select(i => $"s{i}")]);
        yield return graph;
    }
}
