using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For stores that implement <see cref="IRunLeaseStore"/>: one holder at a time, taken with the
/// stored state, renewed and released only by its holder, freed by expiry and by a finished state.
/// </summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class RunLeaseContract(JobStateStoreFactory factory) : StoreContractBase(factory)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    private IRunLeaseStore Leases => (IRunLeaseStore)Store;

    /// <summary>The first holder gets the lease with the stored state; a second is told who has it and for how long.</summary>
    [Fact]
    public async Task One_holder_at_a_time_with_the_stored_state()
    {
        await Store.UpdateAsync(new Job("leased", "wf", 7) { CurrentStep = 1 });

        var first = await Leases.TakeRunLeaseAsync("leased", "run-a", Long);
        var second = await Leases.TakeRunLeaseAsync("leased", "run-b", Long);

        Assert.True(first.Taken);
        Assert.Equal(1, first.StoredJob!.CurrentStep);
        Assert.False(second.Taken);
        Assert.Equal("run-a", second.Holder);
        Assert.InRange(second.ExpiresIn, TimeSpan.FromSeconds(50), Long);
        Assert.Equal(1, second.StoredJob!.CurrentStep);
    }

    /// <summary>A job with no stored state can be leased too (a producer enqueued it without storing it).</summary>
    [Fact]
    public async Task A_job_with_no_stored_state_is_leased_with_none()
    {
        var lease = await Leases.TakeRunLeaseAsync("never-stored", "run-a", Long);

        Assert.True(lease.Taken);
        Assert.Null(lease.StoredJob);
        Assert.False((await Leases.TakeRunLeaseAsync("never-stored", "run-b", Long)).Taken);
    }

    /// <summary>Many holders racing for one lease: exactly one wins.</summary>
    [Fact]
    public async Task Racing_holders_never_both_win()
    {
        for (var round = 0; round < 20; round++)
        {
            var takes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Leases.TakeRunLeaseAsync($"race-{round}", $"run-{i}", Long).AsTask()));
            Assert.Single(takes, take => take.Taken);
        }
    }

    /// <summary>Taking again as the same holder succeeds; renewing works for the holder only.</summary>
    [Fact]
    public async Task Only_the_holder_renews()
    {
        await Leases.TakeRunLeaseAsync("renewed", "run-a", Long);

        Assert.True((await Leases.TakeRunLeaseAsync("renewed", "run-a", Long)).Taken);
        Assert.True(await Leases.RenewRunLeaseAsync("renewed", "run-a", Long));
        Assert.False(await Leases.RenewRunLeaseAsync("renewed", "run-b", Long));
        Assert.False(await Leases.RenewRunLeaseAsync("not-leased", "run-a", Long));
    }

    /// <summary>A release by the holder frees the job; a release by anyone else changes nothing.</summary>
    [Fact]
    public async Task Only_the_holder_releases()
    {
        await Leases.TakeRunLeaseAsync("released", "run-a", Long);

        await Leases.ReleaseRunLeaseAsync("released", "run-b");
        Assert.False((await Leases.TakeRunLeaseAsync("released", "run-b", Long)).Taken);

        await Leases.ReleaseRunLeaseAsync("released", "run-a");
        Assert.True((await Leases.TakeRunLeaseAsync("released", "run-b", Long)).Taken);
    }

    /// <summary>A holder that stops renewing (it died) frees the job when its lease expires; its late renewal fails.</summary>
    [Fact]
    public async Task An_expired_lease_frees_the_job()
    {
        await Leases.TakeRunLeaseAsync("expiring", "run-a", TimeSpan.FromMilliseconds(300));
        await Task.Delay(TimeSpan.FromMilliseconds(700));

        Assert.True((await Leases.TakeRunLeaseAsync("expiring", "run-b", Long)).Taken);
        Assert.False(await Leases.RenewRunLeaseAsync("expiring", "run-a", Long));
    }

    /// <summary>Storing a finished state frees the job's lease.</summary>
    [Fact]
    public async Task A_finished_state_frees_the_lease()
    {
        var job = new Job("finishing", "wf");
        await Store.UpdateAsync(job);
        await Leases.TakeRunLeaseAsync("finishing", "run-a", Long);
        job.Status = JobStatus.Running;
        await Store.UpdateAsync(job);
        Assert.False((await Leases.TakeRunLeaseAsync("finishing", "run-b", Long)).Taken);

        job.Status = JobStatus.Completed;
        await Store.UpdateAsync(job);

        var after = await Leases.TakeRunLeaseAsync("finishing", "run-b", Long);
        Assert.True(after.Taken);
        Assert.Equal(JobStatus.Completed, after.StoredJob!.Status);
    }

    /// <summary>A run stores through its lease only while it holds it: another holder, or a job nobody holds, is refused; a finished state releases the lease, so a later write is refused too.</summary>
    [Fact]
    public async Task Only_the_holder_stores_through_the_lease()
    {
        var job = new Job("held-write", "wf");
        await Store.UpdateAsync(job);
        await Leases.TakeRunLeaseAsync("held-write", "run-a", Long);
        job.CurrentStep = 1;

        Assert.False(await Leases.TryUpdateAsHolderAsync(job, "run-b"));
        Assert.Equal(0, (await Store.GetAsync("held-write"))!.CurrentStep);
        Assert.True(await Leases.TryUpdateAsHolderAsync(job, "run-a"));
        Assert.Equal(1, (await Store.GetAsync("held-write"))!.CurrentStep);

        job.Status = JobStatus.Completed;
        Assert.True(await Leases.TryUpdateAsHolderAsync(job, "run-a"));
        job.Status = JobStatus.Failed;
        Assert.False(await Leases.TryUpdateAsHolderAsync(job, "run-a"));
        Assert.Equal(JobStatus.Completed, (await Store.GetAsync("held-write"))!.Status);

        var unheld = new Job("not-held", "wf");
        Assert.False(await Leases.TryUpdateAsHolderAsync(unheld, "run-a"));
        Assert.Null(await Store.GetAsync("not-held"));
    }

    /// <summary>
    /// The write a run retried while the store was away arrives after its lease expired and
    /// another run took the job with the same stored revision: it is refused, and the new
    /// holder's write stores. An expired lease nobody took refuses the late write too.
    /// </summary>
    [Fact]
    public async Task A_late_write_after_the_lease_expired_is_refused_at_the_same_revision()
    {
        var job = new Job("late-write", "wf");
        await Store.UpdateAsync(job);
        var late = (await Leases.TakeRunLeaseAsync("late-write", "run-a", TimeSpan.FromMilliseconds(300))).StoredJob!;
        var untaken = new Job("late-untaken", "wf");
        await Store.UpdateAsync(untaken);
        await Leases.TakeRunLeaseAsync("late-untaken", "run-a", TimeSpan.FromMilliseconds(300));
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        var takenOver = await Leases.TakeRunLeaseAsync("late-write", "run-b", Long);
        late.CurrentStep = 1;
        untaken.CurrentStep = 1;

        Assert.True(takenOver.Taken);
        Assert.Equal(late.Revision, takenOver.StoredJob!.Revision);
        Assert.False(await Leases.TryUpdateAsHolderAsync(late, "run-a"));
        Assert.False(await Leases.TryUpdateAsHolderAsync(untaken, "run-a"));
        Assert.Equal(0, (await Store.GetAsync("late-write"))!.CurrentStep);
        Assert.Equal(0, (await Store.GetAsync("late-untaken"))!.CurrentStep);

        var next = takenOver.StoredJob;
        next.CurrentStep = 2;
        Assert.True(await Leases.TryUpdateAsHolderAsync(next, "run-b"));
        Assert.Equal(2, (await Store.GetAsync("late-write"))!.CurrentStep);
    }

    /// <summary>On a store with conditional writes, holding the lease is not enough: a state changed meanwhile (a client's cancel or signal) refuses the holder's write at the old revision.</summary>
    [Fact]
    public async Task A_holder_write_at_an_old_revision_is_refused()
    {
        Assert.IsAssignableFrom<IConditionalJobStateStore>(Store);
        var job = new Job("moved-on", "wf");
        await Store.UpdateAsync(job);
        var held = (await Leases.TakeRunLeaseAsync("moved-on", "run-a", Long)).StoredJob!;
        var changed = (await Store.GetAsync("moved-on"))!;
        changed.UserContext = "changed";
        Assert.True(await ((IConditionalJobStateStore)Store).TryUpdateAsync(changed));
        held.CurrentStep = 1;

        Assert.False(await Leases.TryUpdateAsHolderAsync(held, "run-a"));
        Assert.Equal(0, (await Store.GetAsync("moved-on"))!.CurrentStep);
    }
}
