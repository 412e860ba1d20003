using System.ComponentModel;
using System.Diagnostics;

namespace BrewClip.Media;

/// <summary>Runs ffmpeg and ffprobe as processes, collecting stdout as bytes and stderr as text.</summary>
public sealed class ToolRunner(MediaToolOptions options)
{
    public MediaToolOptions Options { get; } = options;

    public Task<ToolRun> FfmpegAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
        => RunAsync(Options.FfmpegPath, arguments, cancellationToken);

    public Task<ToolRun> FfprobeAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
        => RunAsync(Options.FfprobePath, arguments, cancellationToken);

    private async Task<ToolRun> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new MediaException($"{tool} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new MediaException($"{tool} is not installed or not on PATH ({e.Message}); `sudo scripts/infra.sh up` installs ffmpeg.", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.Timeout);
            var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await Task.WhenAll(copy, errors, process.WaitForExitAsync(timeout.Token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new MediaException($"{Path.GetFileName(tool)} took longer than {Options.Timeout.TotalSeconds:F0} s and was stopped.");
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            return new ToolRun(process.ExitCode, output.ToArray(), await errors.ConfigureAwait(false));
        }
    }
}
