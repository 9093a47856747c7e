namespace Ergate.Tests.Contracts;

/// <summary>Disposes what a contract test created, whichever dispose pattern it implements.</summary>
internal static class ContractDisposal
{
    public static async ValueTask DisposeAsync(object? resource)
    {
        switch (resource)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
