using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ergate.AspNetCore.Tests;

/// <summary>
/// The test app on a real Kestrel port with one run slot (a job started while another runs stays
/// QUEUED), and Debian's chromium driven by Playwright. Chromium missing is an error, never a skip:
/// <c>test.sh</c> installs it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public KestrelWebFactory App { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the tests save screenshots: <c>tests/Ergate.AspNetCore.Tests/TestResults/screenshots</c>.</summary>
    public string Screenshots { get; } = Path.Combine(ProjectDirectory(), "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The browser tests need Debian's chromium at {ChromiumPath}: apt-get install chromium (test.sh does).");
        }

        Directory.CreateDirectory(Screenshots);
        App.StartServer();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>A new page in a fresh context, at the app's address.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = App.Address, ViewportSize = new() { Width = 1280, Height = 1000 } });
        return await context.NewPageAsync();
    }

    public async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"{name}.png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
    }

    private static string ProjectDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Ergate.AspNetCore.Tests.csproj")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}

/// <summary>The test app on Kestrel at a free port of 127.0.0.1, with one run slot.</summary>
public sealed class KestrelWebFactory : ErgateWebFactory
{
    public KestrelWebFactory() => UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));

    /// <summary>The address Kestrel listens on.</summary>
    public string Address => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Ergate:MaxConcurrency", "1");
    }
}
