using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ergate.Definitions;

/// <summary>
/// The definition files of an app, read, checked and built into workflows once, when the app
/// starts: every file is read and every mistake found before <see cref="DefinitionException"/>
/// is thrown with all of them.
/// </summary>
internal sealed class LoadedDefinitions
{
    private readonly Dictionary<(string Name, int Version), IReadOnlyList<ResolvedObserver>> _observers = [];

    public LoadedDefinitions(IServiceProvider services)
    {
        var errors = new List<DefinitionError>();
        var root = services.GetService<IHostEnvironment>()?.ContentRootPath ?? Environment.CurrentDirectory;
        var sources = services.GetRequiredService<DefinitionSources>();
        var files = sources.Files(root, errors)
            .Select(path => DefinitionReader.Read(Shown(path), File.ReadAllText(path), errors))
            .ToList();
        var tasks = services.GetServices<DefinedTask>().ToDictionary(task => task.Name, StringComparer.Ordinal);
        var definedServices = new DefinitionChecker(tasks, errors).Check(files);
        var configuration = services.GetService<IConfiguration>() ?? new ConfigurationBuilder().Build();
        var resolved = definedServices.Values.Where(service => service.Complete).Select(service => Resolve(service, configuration, errors)).OfType<ResolvedService>().ToDictionary(service => service.Definition.Name.Value, StringComparer.Ordinal);
        var observers = new Dictionary<(string Name, int Version), IReadOnlyList<ResolvedObserver>>();
        foreach (var workflow in files.SelectMany(file => file.Workflows))
        {
            // A name and version defined twice is an error the checker reported.
            if (workflow.Observers.Count > 0)
            {
                observers.TryAdd((workflow.Name.Value, workflow.Version.Value), [.. workflow.Observers.Select(observer => ResolvedObserver.Resolve(observer, configuration, errors)).OfType<ResolvedObserver>()]);
            }
        }

        if (errors.Count > 0)
        {
            throw new DefinitionException(errors);
        }

        var builder = new DefinedWorkflowBuilder(
            tasks,
            resolved,
            services.GetRequiredService<IHttpClientFactory>(),
            services.GetRequiredService<IOptions<ErgateOptions>>().Value.DefaultRetryPolicy,
            sources.Registrations);
        Workflows = [.. files.SelectMany(file => file.Workflows).Select(builder.Build)];
        _observers = observers;
    }

    /// <summary>The workflows of every file, built and not yet registered.</summary>
    public IReadOnlyList<Workflow> Workflows { get; }

    /// <summary>The observers the definition of <paramref name="workflowName"/> at <paramref name="version"/> declares; empty for a workflow not from a file.</summary>
    /// <remarks>Asked five times per job: with no observer declared anywhere, it answers without a lookup.</remarks>
    public IReadOnlyList<ResolvedObserver> ObserversOf(string workflowName, int version) =>
        _observers.Count == 0 ? [] : _observers.GetValueOrDefault((workflowName, version), []);

    private static ResolvedService? Resolve(ServiceDefinition service, IConfiguration configuration, List<DefinitionError> errors)
    {
        var section = configuration.GetSection($"Ergate:Services:{service.Name.Value}");
        var baseAddress = section["BaseAddress"] ?? ConfigurationReference.TryResolve(service.BaseAddress, configuration, $"base address of service '{service.Name.Value}'", errors);
        if (baseAddress is null)
        {
            return null;
        }

        if (!Uri.TryCreate(baseAddress, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add(new(service.BaseAddress.Position, $"The base address of service '{service.Name.Value}' from configuration must be an absolute http or https address, not '{baseAddress}'."));
            return null;
        }

        var address = service.Path.Length == 0 ? uri : WithPath(uri, service.Path);
        var headers = section.GetSection("Headers").GetChildren().Where(header => header.Value is not null).Select(header => KeyValuePair.Create(header.Key, header.Value!)).ToList();
        return new ResolvedService(service, address, headers);
    }

    /// <summary>
    /// <paramref name="path"/> added to the base address <paramref name="baseAddress"/>: under its
    /// path, whether or not either has a slash between them (<c>https://host/text</c> and
    /// <c>/upper</c> make <c>https://host/text/upper</c>, where URI resolution alone would drop
    /// <c>text</c>).
    /// </summary>
    private static Uri WithPath(Uri baseAddress, string path)
    {
        var folder = baseAddress.AbsolutePath.EndsWith('/') ? baseAddress : new UriBuilder(baseAddress) { Path = baseAddress.AbsolutePath + "/" }.Uri;
        return new Uri(folder, path.TrimStart('/'));
    }

    /// <summary>A file's path as errors show it: relative to the current folder when it is under it.</summary>
    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
