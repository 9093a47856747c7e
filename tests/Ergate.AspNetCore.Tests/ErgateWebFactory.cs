using System.Net;
using Ergate.AspNetCore.TestApp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate.AspNetCore.Tests;

/// <summary>
/// The test app in process. A request with an <c>X-Test-Remote</c> header arrives from that
/// address, as from another machine; without it, it is local (the test server has no addresses).
/// </summary>
public class ErgateWebFactory : WebApplicationFactory<Program>
{
    public const string RemoteHeader = "X-Test-Remote";

    /// <summary>A password in the app's configuration, which no answer may show.</summary>
    public const string Secret = "hunter2-do-not-show";

    private readonly string? _policy;

    public ErgateWebFactory()
        : this(policy: null)
    {
    }

    protected ErgateWebFactory(string? policy) => _policy = policy;

    public ErgateClient Client => Services.GetRequiredService<ErgateClient>();

    public TestSwitches Switches => Services.GetRequiredService<TestSwitches>();

    /// <summary>Waits for a job to finish, up to 20 seconds.</summary>
    public Task<Job> FinishedAsync(string id) => Client.WaitForCompletionAsync(id, TimeSpan.FromSeconds(20));

    /// <summary>Waits until the job is stored with <paramref name="status"/>, up to 20 seconds.</summary>
    public async Task<Job> StatusAsync(string id, JobStatus status)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await Client.GetAsync(id, limit.Token) is { } job && job.Status == status)
            {
                return job;
            }

            await Task.Delay(20, limit.Token);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (_policy is not null)
        {
            builder.UseSetting("Test:Policy", _policy);
        }

        builder.UseSetting("ConnectionStrings:broker", $"amqp://ergate:{Secret}@broker.example:5672");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
    }

    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate following) =>
            {
                if (context.Request.Headers[RemoteHeader].ToString() is { Length: > 0 } remote)
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
                    context.Connection.LocalIpAddress = IPAddress.Parse("192.0.2.1");
                }

                return following(context);
            });
            next(app);
        };
    }
}

/// <summary>The test app with the API and dashboard behind the policy "ops" (role ops, from the <c>X-Test-Role</c> header).</summary>
public sealed class PolicyWebFactory() : ErgateWebFactory("ops");
