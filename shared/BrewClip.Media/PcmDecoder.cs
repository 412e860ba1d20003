using FFMpegCore;

namespace BrewClip.Media;

/// <summary>Any audio ffmpeg reads (an audio file, or a video's audio track) as 16 kHz mono 16-bit WAV.</summary>
public sealed class PcmDecoder(ToolRunner tools)
{
    /// <summary>
    /// Writes <paramref name="input"/>'s audio to <paramref name="output"/>; returns the WAV's length in bytes (44 when it
    /// decodes to nothing). Bit-exact flags keep the header to its 44 bytes (no metadata or encoder tags).
    /// </summary>
    public Task<long> DecodeAsync(string input, string output, CancellationToken cancellationToken = default)
        => DecodeAsync(input, output, null, cancellationToken);

    /// <summary>As <see cref="DecodeAsync(string, string, CancellationToken)"/>, ffmpeg stopping after <paramref name="atMost"/> of audio when given.</summary>
    public async Task<long> DecodeAsync(string input, string output, TimeSpan? atMost, CancellationToken cancellationToken = default)
    {
        var command = FFMpegArguments.FromFileInput(input, verifyExists: false)
            .OutputToFile(output, overwrite: true, o =>
            {
                if (atMost is { } limit)
                {
                    o.WithCustomArgument(FormattableString.Invariant($"-t {limit.TotalSeconds:0.###}"));
                }
                o.DisableVideo()
                    .WithAudioChannels(1)
                    .WithAudioSamplingRate(PcmAudio.SampleRate)
                    .WithAudioCodec("pcm_s16le")
                    .WithCustomArgument("-map_metadata -1 -fflags +bitexact -flags:a +bitexact")
                    .ForceFormat("wav");
            });
        var run = await tools.FfmpegAsync(command, cancellationToken).ConfigureAwait(false);
        if (run.ExitCode != 0)
        {
            throw new MediaException($"the audio cannot be decoded ({run.ErrorTail(1).Replace(input, "the file", StringComparison.Ordinal)})");
        }
        return new FileInfo(output).Length;
    }
}
