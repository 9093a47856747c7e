using System.Text.Json;
using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For stores that implement <see cref="IJobJoinStore"/>: each child's first outcome is kept and
/// read back as recorded; exactly one recorder is told to wake the parent until the parent takes
/// the outcomes, and that recorder is told again when it records again; taking clears the mark so
/// the next recorder wakes the parent; many children recording at once are all kept with one
/// waker; counting gives the outcomes and the failures; a deleted join is empty.
/// </summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class JobJoinStoreContract(JobStateStoreFactory factory) : StoreContractBase(factory)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private IJobJoinStore Joins => (IJobJoinStore)Store;

    /// <summary>An outcome reads back as recorded; a second outcome for the same child changes nothing.</summary>
    [Fact]
    public async Task A_childs_first_outcome_is_kept_and_read_back_as_recorded()
    {
        var completed = new ChildOutcome(JobStatus.Completed, JsonSerializer.SerializeToElement(new { total = 42 }), null, T0);
        var failed = new ChildOutcome(JobStatus.Failed, null, new JobError("check", "bad input", "System.InvalidOperationException", "at ...", T0.AddSeconds(1)), T0.AddSeconds(1));

        await Joins.RecordChildOutcomeAsync("parent/step", "parent/step/0", completed);
        await Joins.RecordChildOutcomeAsync("parent/step", "parent/step/1", failed);
        await Joins.RecordChildOutcomeAsync("parent/step", "parent/step/0", failed);

        var outcomes = await Joins.TakeChildOutcomesAsync("parent/step");
        Assert.Equal(2, outcomes.Count);
        Assert.Equal(JobStatus.Completed, outcomes["parent/step/0"].Status);
        Assert.Equal(42, outcomes["parent/step/0"].Result!.Value.GetProperty("total").GetInt32());
        Assert.Equal(T0, outcomes["parent/step/0"].FinishedAt);
        Assert.Equal(failed, outcomes["parent/step/1"] with { Result = null });
        Assert.Empty(await Joins.TakeChildOutcomesAsync("other/step"));
    }

    /// <summary>The first recorder wakes the parent and no other does until the parent takes the outcomes; the first recorder, recording again, is told again (its wake-up may have been lost).</summary>
    [Fact]
    public async Task One_recorder_wakes_the_parent_until_it_takes_the_outcomes()
    {
        Assert.True(await Joins.RecordChildOutcomeAsync("p/s", "p/s/0", Outcome()));
        Assert.False(await Joins.RecordChildOutcomeAsync("p/s", "p/s/1", Outcome()));
        Assert.True(await Joins.RecordChildOutcomeAsync("p/s", "p/s/0", Outcome()));

        Assert.Equal(2, (await Joins.TakeChildOutcomesAsync("p/s")).Count);

        Assert.True(await Joins.RecordChildOutcomeAsync("p/s", "p/s/2", Outcome()));
        Assert.False(await Joins.RecordChildOutcomeAsync("p/s", "p/s/0", Outcome()));
        Assert.Equal(3, (await Joins.TakeChildOutcomesAsync("p/s")).Count);
    }

    /// <summary>Children of one parent recording at once are all kept, and exactly one of them is told to wake the parent.</summary>
    [Fact]
    public async Task Children_recording_at_once_are_all_kept_with_one_waker()
    {
        var wakers = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            if (await Joins.RecordChildOutcomeAsync("many/s", $"many/s/{i}", Outcome()))
            {
                Interlocked.Increment(ref wakers);
            }
        });

        Assert.Equal(1, wakers);
        Assert.Equal(200, (await Joins.TakeChildOutcomesAsync("many/s")).Count);
    }

    /// <summary>Counting gives the outcomes recorded and those not completed (each child once), and clears the wake-up mark as taking does.</summary>
    [Fact]
    public async Task Counting_gives_the_outcomes_and_the_failures_and_clears_the_wake_up_mark()
    {
        Assert.Equal(default, await Joins.CountChildOutcomesAsync("none/s"));
        var failed = new ChildOutcome(JobStatus.Failed, null, new JobError("check", "bad", null, null, T0), T0);
        Assert.True(await Joins.RecordChildOutcomeAsync("c/s", "c/s/0", Outcome()));
        await Joins.RecordChildOutcomeAsync("c/s", "c/s/1", failed);
        await Joins.RecordChildOutcomeAsync("c/s", "c/s/1", failed);
        await Joins.RecordChildOutcomeAsync("c/s", "c/s/2", new ChildOutcome(JobStatus.Cancelled, null, null, T0));

        Assert.Equal(new ChildOutcomeCount(3, 2), await Joins.CountChildOutcomesAsync("c/s"));
        Assert.True(await Joins.RecordChildOutcomeAsync("c/s", "c/s/3", Outcome()));
        Assert.Equal(new ChildOutcomeCount(4, 2), await Joins.CountChildOutcomesAsync("c/s"));
        Assert.Equal(4, (await Joins.TakeChildOutcomesAsync("c/s")).Count);
    }

    /// <summary>A deleted join is empty, and other joins are untouched.</summary>
    [Fact]
    public async Task A_deleted_join_is_empty()
    {
        await Joins.RecordChildOutcomeAsync("gone/s", "gone/s/0", Outcome());
        await Joins.RecordChildOutcomeAsync("kept/s", "kept/s/0", Outcome());

        await Joins.DeleteJoinAsync("gone/s");

        Assert.Empty(await Joins.TakeChildOutcomesAsync("gone/s"));
        Assert.Single(await Joins.TakeChildOutcomesAsync("kept/s"));
        Assert.True(await Joins.RecordChildOutcomeAsync("gone/s", "gone/s/1", Outcome()));
    }

    private static ChildOutcome Outcome() => new(JobStatus.Completed, JsonSerializer.SerializeToElement(1), null, T0);
}
