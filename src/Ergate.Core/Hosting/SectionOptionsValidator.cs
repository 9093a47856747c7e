using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>
/// Checks options bound from one configuration section and reports every failure at once, each
/// naming its full configuration key (<c>Ergate:RabbitMq:OperationTimeout must be positive.</c>).
/// The host runs it at start (<see cref="ErgateBuilderExtensions.AddSectionOptions{TOptions, TValidator}"/>
/// registers it with <c>ValidateOnStart</c>); a queue built by hand runs the same checks through
/// <see cref="ThrowIfInvalid"/>, so both fail with the same message.
/// </summary>
/// <typeparam name="TOptions">The options type.</typeparam>
/// <param name="sectionName">The configuration section the options are bound from, for example <c>Ergate:Redis</c>.</param>
public abstract class SectionOptionsValidator<TOptions>(string sectionName) : IValidateOptions<TOptions>
    where TOptions : class
{
    /// <summary>The configuration section the options are bound from.</summary>
    public string SectionName { get; } = sectionName;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Failures(options).OfType<string>().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws when <paramref name="options"/> cannot work, listing every failure.</summary>
    /// <exception cref="OptionsValidationException">At least one option cannot work; <see cref="OptionsValidationException.Failures"/> names each.</exception>
    public void ThrowIfInvalid(TOptions options)
    {
        if (Validate(Options.DefaultName, options) is { Failed: true } result)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures);
        }
    }

    /// <summary>
    /// The result of every check of <paramref name="options"/>: a failure message (from
    /// <see cref="Check"/>, <see cref="NotEmpty"/>, <see cref="Positive"/>, <see cref="Failure"/>) or null where the value can work.
    /// </summary>
    protected abstract IEnumerable<string?> Failures(TOptions options);

    /// <summary>A failure naming the option's full key: <c>{SectionName}:{option} {rule}.</c></summary>
    /// <param name="option">The option's name in the section, for example <c>nameof(RedisOptions.LeaseTime)</c>.</param>
    /// <param name="rule">What the value must be, for example <c>must be positive</c>.</param>
    protected string Failure(string option, string rule) => $"{SectionName}:{option} {rule}.";

    /// <summary>Null when <paramref name="valid"/>; otherwise the <see cref="Failure"/> of <paramref name="option"/>.</summary>
    /// <param name="valid">Whether the value can work.</param>
    /// <param name="option">The option's name in the section.</param>
    /// <param name="rule">What the value must be.</param>
    protected string? Check(bool valid, string option, string rule) => valid ? null : Failure(option, rule);

    /// <summary>The failure of a text option that is null, empty or white space.</summary>
    protected string? NotEmpty(string? value, string option) => Check(!string.IsNullOrWhiteSpace(value), option, "cannot be empty");

    /// <summary>The failures of a <see cref="Backoff"/> option, each naming its full key (<c>{SectionName}:{option}:MaxDelay ...</c>); none when it can work.</summary>
    protected IEnumerable<string?> Failures(Backoff? backoff, string option) =>
        backoff is null ? [Failure(option, "is required")] : backoff.Problems($"{SectionName}:{option}");

    /// <summary>
    /// The failures of a <see cref="TlsOptions"/> option, each naming its full key
    /// (<c>{SectionName}:{option}:CaFile ...</c>): a file that is missing or cannot be loaded, or
    /// settings given while TLS is off. None when it can work.
    /// </summary>
    /// <param name="tls">The TLS settings.</param>
    /// <param name="option">The option's name in the section, <c>Tls</c>.</param>
    /// <param name="requestedByConnection">Whether the connection string or URI asks for TLS by itself (<c>ssl=true</c>, <c>amqps://</c>).</param>
    /// <param name="howToTurnOn">What else turns TLS on, for the message, for example <c>ssl=true in the connection string</c>.</param>
    protected IEnumerable<string?> Failures(TlsOptions? tls, string option, bool requestedByConnection, string howToTurnOn)
    {
        var key = $"{SectionName}:{option}";
        if (tls is null)
        {
            return [Failure(option, "is required")];
        }

        if (tls.Enabled || requestedByConnection)
        {
            return TlsCertificates.Problems(tls, key);
        }

        return tls.HasSettings
            ? [$"{key} has settings, but TLS is off: set {key}:{nameof(TlsOptions.Enabled)}=true (or {howToTurnOn})."]
            : [];
    }

    /// <summary>The failure of a duration that is zero or negative; an unset (null) duration passes.</summary>
    protected string? Positive(TimeSpan? value, string option) => Check(value is null || value > TimeSpan.Zero, option, "must be positive");
}
