namespace Ergate.Benchmarks.Throughput.Tests;

public class HarnessOptionsTests
{
    [Fact]
    public void Defaults_are_20000_jobs_3000_hangfire_jobs_3_rounds_1_step_on_both_brokers()
    {
        var options = HarnessOptions.Parse([]);

        Assert.Equal([Broker.Redis, Broker.RabbitMq], options.Brokers);
        Assert.Equal(20_000, options.Jobs);
        Assert.Equal(3_000, options.HangfireJobs);
        Assert.Equal(3, options.Rounds);
        Assert.Equal(1, options.Steps);
    }

    [Fact]
    public void Reads_every_option()
    {
        var options = HarnessOptions.Parse(["--broker", "rabbitmq", "--jobs", "2000", "--hangfire-jobs", "500", "--rounds", "5", "--steps", "3"]);

        Assert.Equal([Broker.RabbitMq], options.Brokers);
        Assert.Equal((2_000, 500, 5, 3), (options.Jobs, options.HangfireJobs, options.Rounds, options.Steps));
    }

    [Theory]
    [InlineData("--steps 2", "--steps must be 1 or 3")]
    [InlineData("--jobs 0", "--jobs must be a whole number above 0")]
    [InlineData("--rounds many", "--rounds must be a whole number above 0")]
    [InlineData("--broker kafka", "--broker must be redis, rabbitmq or all")]
    [InlineData("--jobz 10", "Unknown option --jobz")]
    [InlineData("--jobs", "Expected '--option value'")]
    public void Bad_input_is_refused_with_the_option_named(string arguments, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => HarnessOptions.Parse(arguments.Split(' ')));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
