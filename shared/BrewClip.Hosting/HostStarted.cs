using Microsoft.Extensions.Hosting;

namespace BrewClip.Hosting;

public static class HostStarted
{
    /// <summary>Completes when every hosted service (the bus among them) has started.</summary>
    public static async Task WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = lifetime.ApplicationStarted.Register(() => started.TrySetResult()).ConfigureAwait(false);
        await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
