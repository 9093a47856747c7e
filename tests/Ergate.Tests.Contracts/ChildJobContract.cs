using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// Child jobs over a backend, with a worker app on its queue and store: a step's result runs as
/// one child job (<see cref="WorkflowStep.ThenRun"/>) or one per item
/// (<see cref="WorkflowStep.ThenRunForEach"/>), the parent waits holding no worker and goes on
/// with the results in item order; a cap limits the children running at once; a failed child
/// runs again by the step's retry policy (only it), or fails the parent with a typed error and
/// cancels its siblings, or sends the parent down its failure path; a parent retried after its
/// children failed runs a new round of them; cancelling a parent cancels its children; a parent
/// delivered twice starts each child once.
/// </summary>
/// <param name="queues">Makes the queues under test.</param>
/// <param name="stores">Makes the state stores under test (with joins and conditional writes).</param>
public abstract class ChildJobContract(JobQueueFactory queues, JobStateStoreFactory stores) : WorkflowContractBase(queues, stores)
{
    private volatile bool _blocked;

    /// <summary>A step's result is the input of one child job; the parent goes on with the child's result, and the child is stored with its parent.</summary>
    [Fact]
    public async Task A_step_runs_a_child_job_and_the_parent_goes_on_with_its_result()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("order", 20, new StartOptions { Id = "order-1" });

            var parent = await client.WaitForCompletionAsync("order-1", Timeout);

            Assert.Equal(JobStatus.Completed, parent.Status);
            Assert.Equal("paid 41", parent.GetResult<string>());
            Assert.Equal("order-1/charge", parent.Children!.JobIdOf(parent.Id, 0));
            var child = await client.GetAsync("order-1/charge");
            Assert.Equal(JobStatus.Completed, child!.Status);
            Assert.Equal(new JobParent("order-1", "order", "charge", 0), child.Parent);
            Assert.Equal(41, child.GetResult<int>());
        }
    }

    /// <summary>Each item of a step's result runs as its own child job, in parallel; the next step gets their results in item order, whatever order they finished in.</summary>
    [Fact]
    public async Task Each_item_runs_as_a_child_and_the_next_step_gets_the_results_in_item_order()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("fan-out", 20, new StartOptions { Id = "fan" });

            var parent = await client.WaitForCompletionAsync("fan", Timeout);

            Assert.Equal(JobStatus.Completed, parent.Status);
            Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 10).ToArray(), parent.GetResult<int[]>());
            Assert.Equal(20, Runs("slow-times-ten"));
            Assert.True(MostRunning > 1, $"The children ran one at a time ({MostRunning} at most).");
        }
    }

    /// <summary>A parent waits for its children holding no worker: with one run slot, a parent and its five children all get through.</summary>
    [Fact]
    public async Task A_waiting_parent_holds_no_run_slot()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync(options => options.MaxConcurrency = 1))
        {
            await client.StartAsync("fan-out", 5, new StartOptions { Id = "one-slot" });

            Assert.Equal(Enumerable.Range(0, 5).Select(i => i * 10).ToArray(), (await client.WaitForCompletionAsync("one-slot", Timeout)).GetResult<int[]>());
        }
    }

    /// <summary>No more children than the step's cap run at once, and all of them run.</summary>
    [Fact]
    public async Task No_more_children_than_the_cap_run_at_once()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("capped", 12, new StartOptions { Id = "capped" });

            var parent = await client.WaitForCompletionAsync("capped", Timeout);

            Assert.Equal(Enumerable.Range(0, 12).Select(i => i * 10).ToArray(), parent.GetResult<int[]>());
            Assert.InRange(MostRunning, 1, 3);
        }
    }

    /// <summary>An empty collection runs no child and the next step gets no results at once.</summary>
    [Fact]
    public async Task An_empty_collection_goes_on_at_once_with_no_results()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("fan-out", 0, new StartOptions { Id = "empty" });

            Assert.Empty((await client.WaitForCompletionAsync("empty", Timeout)).GetResult<int[]>()!);
            Assert.Equal(0, Runs("slow-times-ten"));
        }
    }

    /// <summary>A child that fails runs again by its parent step's retry policy, as a new child job; the other children's results stand and they do not run again.</summary>
    [Fact]
    public async Task A_failed_child_runs_again_by_the_steps_retry_policy_and_only_it()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("retried-children", 4, new StartOptions { Id = "retried" });

            var parent = await client.WaitForCompletionAsync("retried", Timeout);

            Assert.Equal(JobStatus.Completed, parent.Status);
            Assert.Equal([0, 1, 2, 3], parent.GetResult<int[]>()!);
            Assert.Equal(5, Runs("fails-on-two-once"));
            Assert.Equal(JobStatus.Failed, (await client.GetAsync("retried/spread/2"))!.Status);
            Assert.Equal(JobStatus.Completed, (await client.GetAsync("retried/spread/2~2"))!.Status);
            Assert.Equal("retried/spread/2~2", parent.Children!.JobIdOf(parent.Id, 2));
        }
    }

    /// <summary>A child that fails for good fails its parent with a <see cref="ChildJobFailedException"/>, and the parent's other children, still running, are cancelled.</summary>
    [Fact]
    public async Task A_child_that_fails_for_good_fails_the_parent_with_a_typed_error_and_cancels_its_siblings()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("doomed", 3, new StartOptions { Id = "doomed" });

            var parent = await client.WaitForCompletionAsync("doomed", Timeout);

            Assert.Equal(JobStatus.Failed, parent.Status);
            Assert.Equal(typeof(ChildJobFailedException).FullName, parent.Error!.ExceptionType);
            Assert.Contains("doomed/spread/0", parent.Error.Message, StringComparison.Ordinal);
            foreach (var sibling in new[] { "doomed/spread/1", "doomed/spread/2" })
            {
                var cancelled = await client.WaitForCompletionAsync(sibling, Timeout);
                Assert.Equal(JobStatus.Cancelled, cancelled.Status);
            }
        }
    }

    /// <summary>A parent whose child failed for good goes on at its step's failure path, with the error as input.</summary>
    [Fact]
    public async Task A_failed_child_sends_the_parent_down_its_failure_path()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("compensated", 1, new StartOptions { Id = "compensated" });

            var parent = await client.WaitForCompletionAsync("compensated", Timeout);

            Assert.Equal(JobStatus.Completed, parent.Status);
            Assert.Equal("compensated for compensated/spread/0", parent.GetResult<string>());
        }
    }

    /// <summary>A parent that failed on its children and is retried by the client runs its step again with a new round of children, named apart from the first.</summary>
    [Fact]
    public async Task A_parent_retried_after_its_children_failed_runs_a_new_round_of_children()
    {
        var client = new ErgateClient(Queue, Store);
        _blocked = true;
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("blocked", 3, new StartOptions { Id = "blocked" });
            Assert.Equal(JobStatus.Failed, (await client.WaitForCompletionAsync("blocked", Timeout)).Status);

            _blocked = false;
            await client.RetryAsync("blocked");

            var parent = await client.WaitForCompletionAsync("blocked", Timeout);
            Assert.Equal(JobStatus.Completed, parent.Status);
            Assert.Equal(3, parent.GetResult<int>());
            Assert.Equal(2, parent.Children!.Round);
            Assert.Equal("blocked/spread#2/1", parent.Children.JobIdOf(parent.Id, 1));
            Assert.Equal(JobStatus.Completed, (await client.GetAsync("blocked/spread#2/0"))!.Status);
        }
    }

    /// <summary>Cancelling a parent cancels its children, the running ones (their steps see their tokens fire) and those waiting to start under the cap.</summary>
    [Fact]
    public async Task Cancelling_a_parent_cancels_its_children()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync(options => options.RunLease = TimeSpan.FromSeconds(3)))
        {
            await client.StartAsync("held", 4, new StartOptions { Id = "held" });
            await Eventually(() => Runs("held child") == 2);

            Assert.Equal(CancelResult.Cancelled, await client.CancelAsync("held", "not needed any more"));

            for (var item = 0; item < 4; item++)
            {
                var child = await client.WaitForCompletionAsync($"held/spread/{item}", Timeout);
                Assert.Equal(JobStatus.Cancelled, child.Status);
                Assert.Contains("not needed any more", child.Error!.Message, StringComparison.Ordinal);
            }

            await Eventually(() => Runs("held child token fired") == 2);
            Assert.Equal(2, Runs("held child"));
        }
    }

    /// <summary>A parent whose message arrives twice (a producer repeating a publish) starts each child once.</summary>
    [Fact]
    public async Task A_parent_delivered_twice_starts_each_child_once()
    {
        var client = new ErgateClient(Queue, Store);
        var parent = await client.StartAsync("fan-out", 6, new StartOptions { Id = "twice" });
        await Queue.EnqueueAsync(parent);
        await using (var worker = await StartWorkerAsync())
        {
            Assert.Equal(Enumerable.Range(0, 6).Select(i => i * 10).ToArray(), (await client.WaitForCompletionAsync("twice", Timeout)).GetResult<int[]>());
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(6, Runs("slow-times-ten"));
    }

    /// <inheritdoc />
    protected override IEnumerable<Workflow> Workflows()
    {
        var doubleIt = new Workflow("double-plus-one");
        doubleIt.Step("double", (int amount) => (amount * 2) + 1);
        yield return doubleIt;
        var order = new Workflow("order");
        order.Step("charge", (int amount) => amount).ThenRun("double-plus-one");
        order.Step("receipt", (int charged) => $"paid {charged}");
        yield return order;

        var timesTen = new Workflow("times-ten");
        timesTen.Step("multiply", (int item) => RunCountedAsync("slow-times-ten", TimeSpan.FromMilliseconds(20 + (item * 37 % 5 * 20)), item * 10));
        yield return timesTen;
        var fanOut = new Workflow("fan-out");
        fanOut.Step("spread", (int count) => Enumerable.Range(0, count)).ThenRunForEach("times-ten");
        fanOut.Step("gather", (int[] results) => results);
        yield return fanOut;
        var capped = new Workflow("capped");
        capped.Step("spread", (int count) => Enumerable.Range(0, count).ToList()).ThenRunForEach("times-ten", maxConcurrency: 3);
        capped.Step("gather", (List<int> results) => results);
        yield return capped;

        var failsOnTwoOnce = new Workflow("fails-on-two-once");
        failsOnTwoOnce.Step("check", (int item) =>
        {
            Ran("fails-on-two-once");
            if (item == 2 && Runs("two failed") == 0)
            {
                Ran("two failed");
                throw new InvalidOperationException("two fails once");
            }

            return item;
        });
        yield return failsOnTwoOnce;
        var retried = new Workflow("retried-children");
        retried.Step("spread", (int count) => Enumerable.Range(0, count)).ThenRunForEach("fails-on-two-once")
            .WithRetry(RetryPolicy.Exponential(3, TimeSpan.FromMilliseconds(200)));
        retried.Step("gather", (int[] results) => results);
        yield return retried;

        var failsOnZero = new Workflow("fails-on-zero");
        failsOnZero.Step("check", async (int item, CancellationToken cancellationToken) =>
        {
            if (item == 0)
            {
                await Task.Delay(300, CancellationToken.None);
                throw new InvalidOperationException("zero is doomed");
            }

            await Task.Delay(Timeout, cancellationToken);
            return item;
        });
        yield return failsOnZero;
        var doomed = new Workflow("doomed");
        doomed.Step("spread", (int count) => Enumerable.Range(0, count)).ThenRunForEach("fails-on-zero");
        doomed.Step("gather", (int[] results) => results);
        yield return doomed;
        var compensated = new Workflow("compensated");
        compensated.Step("spread", (int count) => Enumerable.Range(0, count)).ThenRunForEach("fails-on-zero").OnFailureGoTo("compensate");
        compensated.Step("gather", (int[] results) => StepOutcome.GoToEnd("not compensated")).CanGoToEnd();
        compensated.Step("compensate", (JobError error) => $"compensated for {error.Message.Split('\'')[1]}");
        yield return compensated;

        var whileBlocked = new Workflow("fails-while-blocked");
        whileBlocked.Step("check", (int item) => _blocked ? throw new InvalidOperationException("blocked") : item);
        yield return whileBlocked;
        var blocked = new Workflow("blocked");
        blocked.Step("spread", (int count) => Enumerable.Range(0, count)).ThenRunForEach("fails-while-blocked");
        blocked.Step("gather", (int[] results) => results.Sum());
        yield return blocked;

        var heldChild = new Workflow("held-child");
        heldChild.Step("hold", async (int item, CancellationToken cancellationToken) =>
        {
            Ran("held child");
            try
            {
                await Task.Delay(Timeout, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Ran("held child token fired");
                throw;
            }

            return item;
        });
        yield return heldChild;
        var held = new Workflow("held");
        held.Step("spread", (int count) => Enumerable.Range(0, count)).ThenRunForEach("held-child", maxConcurrency: 2);
        held.Step("gather", (int[] results) => results);
        yield return held;

    }
}
