using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For stores that implement <see cref="IConditionalJobStateStore"/>: a write stores only while
/// the stored revision is the one the writer read, so of two writers that read the same state
/// exactly one wins, and a stale writer changes nothing.
/// </summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class ConditionalWriteContract(JobStateStoreFactory factory) : StoreContractBase(factory)
{
    private const int Races = 1_000;

    private IConditionalJobStateStore Conditional => (IConditionalJobStateStore)Store;

    /// <summary>A write from revision 0 creates the job at revision 1; each write after it goes one up, and the job object follows.</summary>
    [Fact]
    public async Task Each_write_stores_the_next_revision()
    {
        var job = new Job("counted", "wf");

        Assert.True(await Conditional.TryUpdateAsync(job));
        Assert.Equal(1, job.Revision);
        job.CurrentStep = 1;
        Assert.True(await Conditional.TryUpdateAsync(job));
        Assert.Equal(2, job.Revision);
        await Store.UpdateAsync(job);
        Assert.Equal(3, job.Revision);

        var stored = (await Store.GetAsync("counted"))!;
        Assert.Equal(3, stored.Revision);
        Assert.Equal(1, stored.CurrentStep);
    }

    /// <summary>A writer that read an older revision is refused, stores nothing, and keeps its revision.</summary>
    [Fact]
    public async Task A_stale_write_is_refused_and_changes_nothing()
    {
        var job = new Job("stale", "wf");
        await Conditional.TryUpdateAsync(job);
        var stale = (await Store.GetAsync("stale"))!;
        job.Status = JobStatus.Running;
        Assert.True(await Conditional.TryUpdateAsync(job));

        stale.Status = JobStatus.Completed;
        stale.CurrentStep = 5;
        Assert.False(await Conditional.TryUpdateAsync(stale));

        Assert.Equal(1, stale.Revision);
        var stored = (await Store.GetAsync("stale"))!;
        Assert.Equal(JobStatus.Running, stored.Status);
        Assert.Equal(0, stored.CurrentStep);
        Assert.Equal(2, stored.Revision);
        if (Store is IJobStateQuery query)
        {
            Assert.Empty(await query.ListIdsAsync(new JobQuery(Status: JobStatus.Completed)));
        }
    }

    /// <summary>Revision 0 means "nothing stored": it does not overwrite a stored job; a revision above 0 does not create one.</summary>
    [Fact]
    public async Task Revision_zero_only_creates_and_a_revision_above_zero_only_replaces()
    {
        await Conditional.TryUpdateAsync(new Job("exists", "wf"));

        Assert.False(await Conditional.TryUpdateAsync(new Job("exists", "wf") { CurrentStep = 3 }));
        Assert.False(await Conditional.TryUpdateAsync(new Job("missing", "wf") { Revision = 4 }));

        Assert.Equal(0, (await Store.GetAsync("exists"))!.CurrentStep);
        Assert.Null(await Store.GetAsync("missing"));
    }

    /// <summary>Two writers race on one revision 1,000 times: exactly one wins each time, and the stored state is the winner's.</summary>
    [Fact]
    public async Task Two_writers_racing_on_one_revision_exactly_one_wins_each_time()
    {
        var job = new Job("raced", "wf");
        await Conditional.TryUpdateAsync(job);
        for (var race = 0; race < Races; race++)
        {
            var read = job.Revision;
            var first = (await Store.GetAsync("raced"))!;
            var second = (await Store.GetAsync("raced"))!;
            first.CurrentStep = 2 * race;
            second.CurrentStep = 2 * race + 1;

            var wins = await Task.WhenAll(Task.Run(() => Conditional.TryUpdateAsync(first).AsTask()), Task.Run(() => Conditional.TryUpdateAsync(second).AsTask()));

            Assert.Single(wins, won => won);
            var winner = wins[0] ? first : second;
            var stored = (await Store.GetAsync("raced"))!;
            Assert.Equal(read + 1, stored.Revision);
            Assert.Equal(winner.CurrentStep, stored.CurrentStep);
            job = winner;
        }
    }
}
