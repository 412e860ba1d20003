using System.ComponentModel;
using FFMpegCore;
using FFMpegCore.Enums;

namespace BrewClip.Media;

/// <summary>
/// Runs ffmpeg through FFMpegCore: the callers build the command with its argument builder (filter graphs it has
/// no builder for go in as custom arguments); this runs it within <see cref="MediaToolOptions.Timeout"/> and hands
/// back the exit code and what ffmpeg wrote to stderr.
/// </summary>
public sealed class ToolRunner(MediaToolOptions options)
{
    public MediaToolOptions Options { get; } = options;

    public async Task<ToolRun> FfmpegAsync(FFMpegArgumentProcessor command, CancellationToken cancellationToken = default)
    {
        var ffOptions = Options.For("ffmpeg");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.Timeout);
        FFMpegResult result;
        try
        {
            result = await command
                .WithLogLevel(FFMpegLogLevel.Error)
                // Stopped at once, not asked to finish: a cancelled run's output is never used (a query whose client went away,
                // a service stopping, the timeout).
                .CancellableThrough(timeout.Token, TimeSpan.Zero)
                .ProcessAsynchronously(throwOnError: false, ffOptions, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new MediaException($"{Options.Describe("ffmpeg")} is not installed or not on PATH ({e.Message}); `sudo scripts/infra.sh up` installs ffmpeg.", e);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Cancelled)
        {
            throw new MediaException($"ffmpeg took longer than {Options.Timeout.TotalSeconds:F0} s and was stopped.");
        }
        return new ToolRun(result.ExitCode, string.Join('\n', result.StandardError));
    }
}
