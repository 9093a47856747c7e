using System.Text.Json;

namespace Ergate.Core.Tests;

public sealed class JobTests
{
    [Fact]
    public void Id_is_generated_when_none_is_given()
    {
        var a = Job.Create("wf");
        var b = new Job(null, "wf");

        Assert.False(string.IsNullOrWhiteSpace(a.Id));
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal("given", new Job("given", "wf").Id);
    }

    [Fact]
    public void New_job_is_queued_at_the_first_step_attempt_one()
    {
        var job = Job.Create("wf");

        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal(0, job.CurrentStep);
        Assert.Equal(1, job.Attempt);
    }

    [Theory]
    [InlineData(JobStatus.Queued, 0, "Queued")]
    [InlineData(JobStatus.Running, 1, "Running")]
    [InlineData(JobStatus.Completed, 2, "Completed")]
    [InlineData(JobStatus.Failed, 3, "Failed")]
    [InlineData(JobStatus.Aborted, 4, "Aborted")]
    public void Status_numbers_and_wire_names_are_fixed(JobStatus status, int number, string wireName)
    {
        Assert.Equal(number, (int)status);
        var json = JobSerializer.SerializeToString(new Job("x", "wf") { Status = status });
        Assert.Equal(wireName, JsonDocument.Parse(json).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public void Workflow_name_is_required()
    {
        Assert.Throws<ArgumentException>(() => new Job("x", " "));
    }

    [Fact]
    public void Json_round_trip_keeps_values()
    {
        var job = new Job("x", "wf", new { A = 1 }) { LastReturnValue = new[] { "a" } };

        var copy = JobSerializer.Deserialize(JobSerializer.Serialize(job));

        Assert.Equal(["a"], copy.GetLastReturnValue<string[]>()!);
        Assert.Equal(1, copy.GetInitialInput<JsonElement>().GetProperty("a").GetInt32());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"hello\":1}")]
    [InlineData("[1,2]")]
    [InlineData("null")]
    public void Garbage_is_no_job_with_a_reason(string body)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);

        Assert.False(JobSerializer.TryDeserialize(bytes, out var job, out var error));
        Assert.Null(job);
        Assert.NotEmpty(error);
        var thrown = Assert.Throws<InvalidDataException>(() => JobSerializer.Deserialize(body));
        Assert.Equal(error, thrown.Message);
    }
}

public sealed class InMemoryStateStoreTests
{
    [Fact]
    public async Task Later_updates_of_a_job_are_copied_into_its_snapshot_field_for_field()
    {
        var store = new InMemoryJobStateStore();
        await store.UpdateAsync(new Job("x", "wf"));
        var changed = new Job("x", "wf");
        var settable = typeof(Job).GetProperties()
            .Where(p => p.SetMethod is { IsPublic: true })
            .ToList();
        var values = new Dictionary<string, object?>
        {
            [nameof(Job.Status)] = JobStatus.Aborted,
            [nameof(Job.Revision)] = 41L,
            [nameof(Job.WorkflowVersion)] = 3,
            [nameof(Job.CurrentStep)] = 7,
            [nameof(Job.StepsCompleted)] = 6,
            [nameof(Job.PercentCompleted)] = 77.7,
            [nameof(Job.InitialInput)] = System.Text.Json.JsonSerializer.SerializeToElement(5),
            [nameof(Job.LastReturnValue)] = "last",
            [nameof(Job.UserContext)] = "user",
            [nameof(Job.RequestedStartTime)] = DateTimeOffset.UnixEpoch,
            [nameof(Job.Attempt)] = 4,
            [nameof(Job.CreatedAt)] = DateTimeOffset.UnixEpoch.AddDays(1),
            [nameof(Job.UpdatedAt)] = DateTimeOffset.UnixEpoch.AddDays(2),
            [nameof(Job.Error)] = new JobError("s", "m", null, null, DateTimeOffset.UnixEpoch),
            [nameof(Job.Wait)] = new JobWait("shipped", DateTimeOffset.UnixEpoch, "remind"),
            [nameof(Job.Signals)] = new[] { new JobSignal("item", null, "s-1", DateTimeOffset.UnixEpoch) },
            [nameof(Job.SignalIds)] = new[] { "s-1" },
            [nameof(Job.Parent)] = new JobParent("p", "parent-wf", "spread", 3),
            [nameof(Job.Children)] = new JobChildren("spread", "child-wf", 10, 4, 4, ForEach: true),
            [nameof(Job.Steps)] = new[] { new StepState("a", StepStatus.Completed, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1), "x/a") },
            [nameof(Job.History)] = new[] { new StepRun("a", 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1), "a's result") },
            [nameof(Job.TraceParent)] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        Assert.Equal(values.Keys.Order(), settable.Select(p => p.Name).Order());
        foreach (var property in settable)
        {
            property.SetValue(changed, values[property.Name]);
        }

        await store.UpdateAsync(changed);
        var read = (await store.GetAsync("x"))!;

        foreach (var property in settable)
        {
            var expected = property.GetValue(changed);
            var actual = property.GetValue(read);
            Assert.Equal(
                expected is System.Collections.IEnumerable list and not string ? string.Join(",", list.Cast<object>()) : expected?.ToString(),
                actual is System.Collections.IEnumerable readList and not string ? string.Join(",", readList.Cast<object>()) : actual?.ToString());
        }
    }
}
