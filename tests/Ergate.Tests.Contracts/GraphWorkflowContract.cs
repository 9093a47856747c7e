using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// Graph workflows (<see cref="WorkflowStep.After"/>) over a backend, with a worker app on its
/// queue and store: steps whose turn comes together run at the same time, each as a job of its
/// own, and a step after several gets each one's result by name; a failed step leaves the steps
/// after it DEFAULTED while the other branch runs to the end, and the job fails with every
/// step's status stored; at most the cap of steps run at once; several last steps make a result
/// by name; cancelling the job cancels its running steps; a job delivered twice runs each step once.
/// </summary>
/// <param name="queues">Makes the queues under test.</param>
/// <param name="stores">Makes the state stores under test (with joins and conditional writes).</param>
public abstract class GraphWorkflowContract(JobQueueFactory queues, JobStateStoreFactory stores) : WorkflowContractBase(queues, stores)
{
    private static readonly TimeSpan StepTime = TimeSpan.FromMilliseconds(150);

    /// <summary>Three steps after one run at the same time, each as its own job; the step after all three gets each result in the parameter named like its step; every step's status and times are stored.</summary>
    [Fact]
    public async Task Steps_whose_turn_comes_together_run_at_once_and_the_join_takes_each_result_by_name()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("picture", "cat.jpg", new StartOptions { Id = "picture-1" });

            var job = await client.WaitForCompletionAsync("picture-1", Timeout);

            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal("cat.jpg: resized 160, blurred 3, measured 42", job.GetResult<string>());
            Assert.True(MostRunning >= 2, $"The three transforms ran one at a time ({MostRunning} at most).");
            Assert.Equal(["fetch", "resize", "blur", "measure", "combine"], job.Steps!.Select(step => step.Name));
            Assert.All(job.Steps!, step =>
            {
                Assert.Equal(StepStatus.Completed, step.Status);
                Assert.Equal($"picture-1/{step.Name}", step.JobId);
                Assert.True(step.Duration > TimeSpan.Zero, $"Step '{step.Name}' has no duration.");
            });
            Assert.Equal(100, job.PercentCompleted);
            var resize = await client.GetAsync("picture-1/resize");
            Assert.Equal(new JobParent("picture-1", "picture", "resize", 1, OneStep: true), resize!.Parent);
            Assert.Equal(160, resize.GetResult<int>());
        }
    }

    /// <summary>A step that fails after its retries leaves the steps after it DEFAULTED, never run; the other branch runs to the end; the job fails naming the step, with every step's status stored.</summary>
    [Fact]
    public async Task A_failed_step_defaults_the_steps_after_it_and_the_other_branch_runs_to_the_end()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("branches", 1, new StartOptions { Id = "branches" });

            var job = await client.WaitForCompletionAsync("branches", Timeout);

            Assert.Equal(JobStatus.Failed, job.Status);
            Assert.Equal("broken", job.Error!.StepName);
            Assert.Contains("Step 'broken' failed: always broken (2 step(s) after it never ran)", job.Error.Message, StringComparison.Ordinal);
            Assert.Equal(
                [("start", StepStatus.Completed), ("broken", StepStatus.Failed), ("healthy", StepStatus.Completed), ("after-broken", StepStatus.Defaulted), ("after-both", StepStatus.Defaulted), ("after-healthy", StepStatus.Completed)],
                job.Steps!.Select(step => (step.Name, step.Status)));
            Assert.Equal(2, Runs("broken"));
            Assert.Equal(1, Runs("after-healthy"));
            Assert.Equal(0, Runs("after-broken"));
            Assert.Null(job.Steps!.Single(step => step.Name == "after-broken").JobId);
        }
    }

    /// <summary>At most the workflow's cap of one job's steps run at once, and all of them run.</summary>
    [Fact]
    public async Task No_more_steps_than_the_cap_run_at_once()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("capped-graph", 5, new StartOptions { Id = "capped-graph" });

            var job = await client.WaitForCompletionAsync("capped-graph", Timeout);

            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal(30, job.GetResult<int>());
            Assert.InRange(MostRunning, 1, 2);
        }
    }

    /// <summary>A graph with several last steps ends with an object holding each one's result by its name.</summary>
    [Fact]
    public async Task Several_last_steps_make_the_result_by_name()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("two-ends", 4, new StartOptions { Id = "two-ends" });

            var job = await client.WaitForCompletionAsync("two-ends", Timeout);

            Assert.Equal(new Dictionary<string, int> { ["double"] = 8, ["square"] = 16 }, job.GetResult<Dictionary<string, int>>());
        }
    }

    /// <summary>Cancelling a graph job cancels the jobs of its running steps, whose tokens fire; the steps after them never start.</summary>
    [Fact]
    public async Task Cancelling_a_graph_job_cancels_its_running_steps()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync(options => options.RunLease = TimeSpan.FromSeconds(3)))
        {
            await client.StartAsync("held-graph", 0, new StartOptions { Id = "held-graph" });
            await Eventually(() => Runs("held step") == 2);

            Assert.Equal(CancelResult.Cancelled, await client.CancelAsync("held-graph", "not needed"));

            foreach (var step in new[] { "left", "right" })
            {
                Assert.Equal(JobStatus.Cancelled, (await client.WaitForCompletionAsync($"held-graph/{step}", Timeout)).Status);
            }

            await Eventually(() => Runs("held step token fired") == 2);
            Assert.Null(await client.GetAsync("held-graph/after"));
        }
    }

    /// <summary>A graph job whose message arrives twice runs each of its steps once.</summary>
    [Fact]
    public async Task A_graph_job_delivered_twice_runs_each_step_once()
    {
        var client = new ErgateClient(Queue, Store);
        var job = await client.StartAsync("picture", "dog.jpg", new StartOptions { Id = "twice" });
        await Queue.EnqueueAsync(job);
        await using (var worker = await StartWorkerAsync())
        {
            Assert.Equal("dog.jpg: resized 160, blurred 3, measured 42", (await client.WaitForCompletionAsync("twice", Timeout)).GetResult<string>());
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(1, Runs("fetch"));
        Assert.Equal(1, Runs("resize"));
        Assert.Equal(1, Runs("combine"));
    }

    /// <inheritdoc />
    protected override IEnumerable<Workflow> Workflows()
    {
        var picture = new Workflow("picture");
        picture.Step("fetch", (string name) => RunCountedAsync("fetch", StepTime, name));
        picture.Step("resize", (string fetched) => RunCountedAsync("resize", StepTime, 160)).After("fetch");
        picture.Step("blur", (string fetched) => RunCountedAsync("blur", StepTime, 3)).After("fetch");
        picture.Step("measure", (string fetched) => RunCountedAsync("measure", StepTime, 42)).After("fetch");
        picture.Step("combine", (string fetch, int resize, int blur, int measure) =>
        {
            Ran("combine");
            return $"{fetch}: resized {resize}, blurred {blur}, measured {measure}";
        }).After("fetch", "resize", "blur", "measure");
        yield return picture;

        var branches = new Workflow("branches");
        branches.Step("start", (int x) => x);
        branches.Step("broken", new Func<int, int>(x =>
        {
            Ran("broken");
            throw new InvalidOperationException("always broken");
        })).After("start").WithRetry(RetryPolicy.Exponential(2, TimeSpan.FromMilliseconds(50)));
        branches.Step("healthy", (int x) => x + 1).After("start");
        branches.Step("after-broken", (int x) => Ran("after-broken")).After("broken");
        branches.Step("after-both", (int broken, int healthy) => broken + healthy).After("broken", "healthy");
        branches.Step("after-healthy", async (int x) => await RunCountedAsync("after-healthy", StepTime, x)).After("healthy");
        yield return branches;

        var capped = new Workflow("capped-graph") { MaxConcurrentSteps = 2 };
        foreach (var name in new[] { "a", "b", "c", "d", "e", "f" })
        {
            capped.Step(name, (int x) => RunCountedAsync(name, StepTime, x));
        }

        capped.Step("sum", (int a, int b, int c, int d, int e, int f) => a + b + c + d + e + f).After("a", "b", "c", "d", "e", "f");
        yield return capped;

        var twoEnds = new Workflow("two-ends");
        twoEnds.Step("start", (int x) => x);
        twoEnds.Step("double", (int x) => x * 2).After("start");
        twoEnds.Step("square", (int x) => x * x).After("start");
        yield return twoEnds;

        var held = new Workflow("held-graph");
        foreach (var side in new[] { "left", "right" })
        {
            held.Step(side, async (int x, CancellationToken cancellationToken) =>
            {
                Ran("held step");
                try
                {
                    await Task.Delay(Timeout, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Ran("held step token fired");
                    throw;
                }

                return x;
            });
        }

        held.Step("after", (int left, int right) => left + right).After("left", "right");
        yield return held;

    }
}
