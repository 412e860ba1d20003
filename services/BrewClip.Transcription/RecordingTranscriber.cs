using System.Text.RegularExpressions;
using BrewClip.Media;
using BrewClip.Models.Heads;
using BrewClip.Models.Whisper;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using Microsoft.Extensions.Options;

namespace BrewClip.Transcription;

/// <summary>
/// Transcribes a recording window by window (30 s each): log-mel features, the Whisper encoder once per
/// window (its states cached as float16, trimmed to the audio's 50 frames a second), then greedy
/// decoding with the KV cache, unless a sidecar transcript already says what was spoken.
/// </summary>
internal sealed partial class RecordingTranscriber(
    RecordingStore store,
    WhisperModel whisper,
    WhisperLogMel logMel,
    IArtifactStore artifacts,
    IOptions<TranscriptionOptions> options,
    ILogger<RecordingTranscriber> logger)
{
    public const int FramesPerSecond = CachedFeatures.WhisperFramesPerSecond;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Transcribes the recording unless it is done; true when it is transcribed (now or before) and downstream is to be told.</summary>
    public async Task<bool> TranscribeAsync(long recordingId, CancellationToken cancellationToken)
    {
        var recording = await store.FindAsync(recordingId, cancellationToken).ConfigureAwait(false);
        if (recording is null)
        {
            logger.LogWarning("Recording {RecordingId} is not in the database; its message is dropped", recordingId);
            return false;
        }
        if (recording.Stage is "transcribed" or "embedded")
        {
            // Already done (a redelivery, or a crash before the publish): say so again downstream.
            return true;
        }

        float[] samples;
        try
        {
            using var pcm = await artifacts.FetchAsync(recording.PcmUri, cancellationToken).ConfigureAwait(false);
            samples = PcmAudio.ReadWav(pcm.Path);
        }
        catch (Exception e) when (e is MediaException or NotSupportedException or FileNotFoundException)
        {
            await FailAsync(recordingId, e.Message, cancellationToken).ConfigureAwait(false);
            return false;
        }
        if (samples.Length == 0)
        {
            await FailAsync(recordingId, "the recording has no audio samples", cancellationToken).ConfigureAwait(false);
            return false;
        }

        var sidecar = await store.SidecarAsync(recordingId, cancellationToken).ConfigureAwait(false);
        var windowCount = (samples.Length + WhisperLogMel.WindowSamples - 1) / WhisperLogMel.WindowSamples;
        var duration = samples.Length / (double)WhisperLogMel.SampleRate;
        var sidecarTexts = sidecar is null ? null : SplitIntoWindows(sidecar, windowCount, duration);
        var requested = string.IsNullOrEmpty(options.Value.Language) ? null : options.Value.Language;

        // Transcribed again from a sidecar that came later: nothing to decode, and the encoder states an earlier
        // run cached for the acoustic channel are still right (the audio is the same), so Whisper is not run.
        if (sidecarTexts is not null && await ReusableWindowsAsync(recordingId, windowCount, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            var reused = cached.Select((w, k) => w with { Text = sidecarTexts[k] }).ToList();
            // The language stays the one detected when the audio was first transcribed (or the one configured).
            if (!await store.SaveAsync(recordingId, reused, sidecar, requested, null, cancellationToken).ConfigureAwait(false))
            {
                logger.LogInformation("The sidecar transcript of recording {RecordingId} changed while it was transcribed; it is transcribed again from the new one", recordingId);
                return false;
            }
            logger.LogInformation("Transcribed recording {RecordingId} again from its sidecar transcript: {Windows} windows, cached encoder states reused", recordingId, windowCount);
            return true;
        }

        // Fixed 30 s windows: the encoder once each, its states cached for the acoustic channel.
        var windows = new List<TranscribedWindow>();
        var windowStates = new List<float[]>();
        for (var k = 0; k < windowCount; k++)
        {
            var start = k * WhisperLogMel.WindowSamples;
            var length = Math.Min(WhisperLogMel.WindowSamples, samples.Length - start);
            var states = whisper.Encode(logMel.ComputeWindow(samples.AsSpan(start, length)));
            var frames = Math.Min(states.Length / whisper.Width, (length * FramesPerSecond + WhisperLogMel.SampleRate - 1) / WhisperLogMel.SampleRate);
            var uri = await artifacts.WriteAsync($"recordings/{recordingId}/window-{k}.encoder.safetensors",
                stream =>
                {
                    CachedFeatures.WriteEncoderStates(stream, states, frames, whisper.Width);
                    return Task.CompletedTask;
                }, cancellationToken).ConfigureAwait(false);
            windows.Add(new TranscribedWindow(k, start / (double)WhisperLogMel.SampleRate, (start + length) / (double)WhisperLogMel.SampleRate, "", uri, frames, whisper.Width));
            windowStates.Add(states);
        }

        // A sidecar is in the language that is spoken, so its language is detected too: full-text search stems and drops
        // stop words by it.
        var language = requested ?? (windowStates.Count > 0 ? whisper.DetectLanguage(windowStates[0], windowStates[0].Length / whisper.Width) : null);
        IReadOnlyList<TimedText>? timed = null;
        string[] texts;
        if (sidecarTexts is not null)
        {
            texts = sidecarTexts;
        }
        else
        {
            if (options.Value.Timestamps)
            {
                // The same fixed windows, decoded with timestamps: segments in recording time, each window's own text.
                var segments = new List<TimedText>();
                texts = new string[windowCount];
                var decoded = DecodeAll(windowStates, new WhisperDecodeOptions { Language = language, Timestamps = true });
                for (var k = 0; k < windowCount; k++)
                {
                    var tokens = decoded[k].Tokens;
                    var inWindow = TimedTranscript.Parse(tokens, whisper.Tokenizer, windows[k].End - windows[k].Start)
                        .Select(s => new TimedText(windows[k].Start + s.Start, windows[k].Start + s.End, s.Text)).ToList();
                    segments.AddRange(inWindow);
                    texts[k] = string.Join(' ', inWindow.Select(s => s.Text));
                }
                timed = segments;
            }
            else
            {
                texts = DecodeAll(windowStates, new WhisperDecodeOptions { Language = language }).Select(t => t.Text).ToArray();
            }
        }
        windows = windows.Select((w, k) => w with { Text = texts[k] }).ToList();

        if (!await store.SaveAsync(recordingId, windows, sidecar, language, timed, cancellationToken).ConfigureAwait(false))
        {
            logger.LogInformation("The sidecar transcript of recording {RecordingId} changed while it was transcribed; it is transcribed again from the new one", recordingId);
            return false;
        }
        logger.LogInformation("Transcribed recording {RecordingId}: {Windows} windows, {Source}", recordingId, windowCount, sidecar is null ? $"language {language}" : "sidecar transcript");
        return true;
    }

    /// <summary>Every window's transcript, Transcription:DecodeBatch windows at a time through the decoder.</summary>
    private List<WhisperTranscript> DecodeAll(List<float[]> windowStates, WhisperDecodeOptions decode)
    {
        var transcripts = new List<WhisperTranscript>(windowStates.Count);
        foreach (var batch in windowStates.Chunk(options.Value.DecodeBatch))
        {
            transcripts.AddRange(batch.Length == 1 ? [whisper.Decode(batch[0], decode)] : whisper.DecodeBatch(batch, decode));
        }
        return transcripts;
    }

    /// <summary>The windows an earlier run cached, when there is one for every window and each states file is still there.</summary>
    private async Task<List<TranscribedWindow>?> ReusableWindowsAsync(long recordingId, int windowCount, CancellationToken cancellationToken)
    {
        var cached = await store.CachedWindowsAsync(recordingId, cancellationToken).ConfigureAwait(false);
        if (cached.Count != windowCount || cached.Select((w, k) => w.Index != k).Any(mismatch => mismatch))
        {
            return null;
        }
        foreach (var window in cached)
        {
            try
            {
                if (!await artifacts.ExistsAsync(window.EncoderStatesUri, cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (NotSupportedException)
            {
                return null; // written to another store than this one
            }
        }
        return cached;
    }

    /// <summary>
    /// A sidecar's text per window: timed segments go to the window holding their midpoint; untimed
    /// text is spread over the windows word by word in proportion to time. One window gets it verbatim.
    /// </summary>
    internal static string[] SplitIntoWindows(SidecarTranscript sidecar, int windows, double duration)
    {
        if (windows == 1)
        {
            return [sidecar.Text];
        }
        var parts = Enumerable.Range(0, windows).Select(_ => new List<string>()).ToArray();
        if (sidecar.Segments.Count > 0)
        {
            foreach (var segment in sidecar.Segments)
            {
                parts[WindowOf((segment.Start + segment.End) / 2, windows)].Add(segment.Text.Trim());
            }
        }
        else
        {
            var words = Whitespace().Split(sidecar.Text.Trim()).Where(w => w.Length > 0).ToArray();
            for (var i = 0; i < words.Length; i++)
            {
                parts[WindowOf((i + 0.5) / words.Length * duration, windows)].Add(words[i]);
            }
        }
        return parts.Select(p => string.Join(' ', p)).ToArray();
    }

    private static int WindowOf(double seconds, int windows) => Math.Clamp((int)(seconds / 30.0), 0, windows - 1);

    private async Task FailAsync(long recordingId, string reason, CancellationToken cancellationToken)
    {
        logger.LogWarning("Recording {RecordingId} failed: {Reason}", recordingId, reason);
        await store.MarkFailedAsync(recordingId, reason, cancellationToken).ConfigureAwait(false);
    }
}
