using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Core.Tests;

/// <summary>Services come from a scope created per step and disposed when the step ends.</summary>
public sealed class DependencyInjectionTests
{
    private sealed class ScopedThing : IAsyncDisposable
    {
        private static int s_next;

        public int Number { get; } = Interlocked.Increment(ref s_next);

        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Greeter
    {
        public string Greet(string name) => $"Hello {name}";
    }

    [Fact]
    public async Task Scoped_service_is_new_per_step_and_disposed_after_it()
    {
        var seen = new List<ScopedThing>();
        var disposedWhileRunning = new List<bool>();
        var workflow = new Workflow("di");
        workflow.Step("a", ([FromServices] ScopedThing thing) => { seen.Add(thing); disposedWhileRunning.Add(thing.Disposed); });
        workflow.Step("b", ([FromServices] ScopedThing thing, [FromServices] ScopedThing same) => { seen.Add(thing); seen.Add(same); disposedWhileRunning.Add(thing.Disposed); });
        var app = TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore(), b => b.Services.AddScoped<ScopedThing>(), workflow);

        await app.RunUntilIdleAsync(new Job("j1", "di"));

        Assert.Equal(3, seen.Count);
        Assert.NotSame(seen[0], seen[1]);
        Assert.Same(seen[1], seen[2]);
        Assert.All(disposedWhileRunning, Assert.False);
        Assert.All(seen, thing => Assert.True(thing.Disposed));
    }

    [Fact]
    public async Task Services_input_token_and_context_bind_together()
    {
        string? greeting = null;
        var workflow = new Workflow("mixed");
        workflow.Step("greet", ([FromServices] Greeter greeter, string name, CancellationToken token, JobContext context) =>
            greeting = $"{greeter.Greet(name)} from {context.StepName}, cancellable: {token.CanBeCanceled}");
        var app = TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore(), b => b.Services.AddSingleton<Greeter>(), workflow);

        await app.RunUntilIdleAsync(new Job("j1", "mixed", "Ada"));

        Assert.Equal("Hello Ada from greet, cancellable: True", greeting);
    }

    [Fact]
    public async Task Keyed_services_bind()
    {
        string? greeting = null;
        var workflow = new Workflow("keyed");
        workflow.Step("greet", ([FromKeyedServices("formal")] Greeter greeter) => greeting = greeter.Greet("Sir"));
        var app = TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore(), b => b.Services.AddKeyedSingleton<Greeter>("formal"), workflow);

        await app.RunUntilIdleAsync(new Job("j1", "keyed"));

        Assert.Equal("Hello Sir", greeting);
    }

    [Fact]
    public async Task Jobs_running_at_once_never_share_a_scope()
    {
        var things = new System.Collections.Concurrent.ConcurrentBag<int>();
        var workflow = new Workflow("parallel");
        workflow.Step("use", async ([FromServices] ScopedThing thing) => { things.Add(thing.Number); await Task.Delay(20); });
        var app = TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore(), b => b.Services.AddScoped<ScopedThing>().Configure<ErgateOptions>(o => o.MaxConcurrency = 8), workflow);

        await app.RunUntilIdleAsync(Enumerable.Range(0, 16).Select(i => new Job($"j{i}", "parallel")).ToArray());

        Assert.Equal(16, things.Distinct().Count());
    }
}
