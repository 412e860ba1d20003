using FFMpegCore;
using FFMpegCore.Exceptions;

namespace BrewClip.Media;

/// <summary>Asks ffprobe (through FFMpegCore's typed analysis) what a file holds.</summary>
public sealed class MediaProbe(ToolRunner tools)
{
    /// <exception cref="MediaException">ffprobe cannot read the file; the message carries ffprobe's reason.</exception>
    public async Task<ProbeResult> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        var options = tools.Options;
        var ffOptions = options.For("ffprobe");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            return ProbeResult.From(await FFProbe.AnalyseAsync(path, ffOptions, null, timeout.Token).ConfigureAwait(false));
        }
        catch (FFProbeProcessException e)
        {
            var tail = e.StandardError.LastOrDefault(line => line.Trim().Length > 0)?.Trim().Replace(path, "the file", StringComparison.Ordinal);
            throw new MediaException($"not a media file ffprobe can read ({(string.IsNullOrEmpty(tail) ? e.Message : tail)})", e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MediaException($"ffprobe took longer than {options.Timeout.TotalSeconds:F0} s and was stopped.");
        }
        catch (Exception e) when (e is FFMpegException or FormatNullException or System.Text.Json.JsonException)
        {
            throw new MediaException($"ffprobe's analysis could not be read: {e.Message}", e);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new MediaException($"{options.Describe("ffprobe")} is not installed or not on PATH ({e.Message}); `sudo scripts/infra.sh up` installs ffmpeg.", e);
        }
    }
}
