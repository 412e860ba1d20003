using System.Diagnostics;
using BrewClip.Models.Whisper;
using BrewClip.Onnx;
using BrewClip.Storage;
using BrewClip.Testing;
using BrewClip.Transcription;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Benchmarks;

/// <summary>
/// Real-time factor of the Transcription service's own path (WAV read, log-mel, encoder, greedy decoding
/// with the KV cache, encoder states cached as float16, rows written) against a raw loop of ONNX Runtime
/// calls on the same whisper-base-shaped random-weight export producing the same tokens, in the same run;
/// and the cost of the 1st and the 100th decoded token.
/// </summary>
internal static class WhisperBenchmark
{
    public static async Task RunAsync()
    {
        var folder = Environment.GetEnvironmentVariable("BREWCLIP_BENCH_WHISPER")
            ?? Path.Combine(ImageEmbeddingBenchmark.FindRoot(), "bench", "models", "whisper-base-random");
        Console.WriteLine("# Transcription service path vs raw ONNX Runtime, one 30 s window");
        if (!File.Exists(Path.Combine(folder, "decoder_model_merged.onnx")))
        {
            Console.WriteLine($"skipped: {folder} is missing; make it with `/usr/bin/python3 tests/fixtures/make_whisper_fixtures.py --full bench/models/whisper-base-random`");
            Console.WriteLine();
            return;
        }
        var environment = OnnxEnvironment.Shared();
        using var model = new WhisperModel(environment, folder);
        var work = Directory.CreateTempSubdirectory("brewclip-bench-whisper-").FullName;
        try
        {
            var wav = Path.Combine(work, "speech.wav");
            TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:duration=30", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", wav);
            var samples = BrewClip.Media.PcmAudio.ReadWav(wav);

            // Raw: ONNX Runtime calls only, with features computed once outside the timing.
            var features = new WhisperLogMel(model.MelBins).ComputeWindow(samples);
            using var raw = new RawWhisperLoop(environment, folder, model.Tokenizer.Prompt("en"), model.Tokenizer.EndOfText, model.Generation.MaxLength, model.Tokenizer.TimestampBegin, model.Generation.BeginSuppressTokens);
            raw.Run(features); // warm-up
            var rawClock = Stopwatch.StartNew();
            var rawTokens = raw.Run(features);
            var rawSeconds = rawClock.Elapsed.TotalSeconds;

            await using var database = await TestDatabase.CreateAsync();
            var recordingId = await RegisterAsync(database, wav);
            var transcriber = new RecordingTranscriber(new RecordingStore(database.DataSource), model, new WhisperLogMel(model.MelBins),
                new FileSystemArtifactStore(Path.Combine(work, "artifacts")),
                Microsoft.Extensions.Options.Options.Create(new TranscriptionOptions { Language = "en" }), NullLogger<RecordingTranscriber>.Instance);
            var serviceClock = Stopwatch.StartNew();
            await transcriber.TranscribeAsync(recordingId, CancellationToken.None);
            var serviceSeconds = serviceClock.Elapsed.TotalSeconds;

            await using var text = database.DataSource.CreateCommand($"select text from brewclip.transcripts where recording_id = {recordingId}");
            var same = (string?)await text.ExecuteScalarAsync() == model.Tokenizer.Decode(raw.Tokens).Trim();
            Console.WriteLine($"tokens decoded: {rawTokens}, the same text on both paths: {(same ? "yes" : "NO")}");
            Console.WriteLine($"raw ONNX loop:  real-time factor {rawSeconds / 30:F3} ({rawSeconds:F2} s for 30 s of audio)");
            Console.WriteLine($"service path:   real-time factor {serviceSeconds / 30:F3} ({serviceSeconds:F2} s)   speed ratio {rawSeconds / serviceSeconds:F2} (target 0.9)");
            Console.WriteLine($"decoder calls:  1st token {raw.FirstTokenMs:F1} ms (the prompt, no cache: projects the encoder states once), " +
                $"2nd {raw.SecondTokenMs:F1} ms, 100th {raw.HundredthTokenMs:F1} ms (the cache keeps a token's cost flat)");
            Console.WriteLine();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<long> RegisterAsync(TestDatabase database, string wav)
    {
        await using var command = database.DataSource.CreateCommand("""
            with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values (sha256('bench'), 'audio', 'accepted', 1) returning id)
            insert into brewclip.recordings (media_id, pcm_uri, duration_seconds) select id, $1, 30 from m returning id
            """);
        command.Parameters.Add(new() { Value = ArtifactPaths.ToUri(wav) });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
