namespace Ergate;

/// <summary>The checks of <see cref="ErgateOptions"/>.</summary>
internal sealed class ErgateOptionsValidator() : SectionOptionsValidator<ErgateOptions>(ErgateOptions.SectionName)
{
    protected override IEnumerable<string?> Failures(ErgateOptions options) =>
    [
        Check(options.MaxConcurrency >= 1, nameof(options.MaxConcurrency), "must be at least 1"),
        Check(options.ShutdownTimeout >= TimeSpan.Zero, nameof(options.ShutdownTimeout), "cannot be negative"),
        Check(options.MaxDeliveryCount >= 0, nameof(options.MaxDeliveryCount), "cannot be negative (0 turns the limit off)"),
        Check(options.RunLease >= TimeSpan.FromMilliseconds(300), nameof(options.RunLease), "must be at least 300 ms (it is renewed every third of it)"),
        Check(options.StartRecoveryDelay >= TimeSpan.FromSeconds(1), nameof(options.StartRecoveryDelay), "must be at least 1 s"),
        Check(options.DefaultRetryPolicy is not null, nameof(options.DefaultRetryPolicy), "is required (RetryPolicy.None for no retries)"),
    ];
}
