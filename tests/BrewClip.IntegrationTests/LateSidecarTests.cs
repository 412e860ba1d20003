using System.Diagnostics;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A sidecar transcript that arrives after its audio was indexed, through the real Ingest, Transcription and
/// AcousticEmbedding services: the recording takes it as its ground truth and is transcribed and embedded again.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class LateSidecarTests() : WatchedFolderTests("late-sidecar")
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Directory.CreateDirectory(Path.Combine(Inbox, "copy"));
    }

    [Fact]
    public async Task A_sidecar_after_its_audio_or_beside_a_second_copy_replaces_the_transcript_and_the_vectors()
    {
        var speech = TestMedia.Speak(Work, "speech", "a dog runs on the grass");
        var services = new List<ServiceProcess>();
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";
        try
        {
            foreach (var project in new[] { "BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding" })
            {
                var port = ServiceProcess.FreePort();
                var settings = IngestSettings(port);
                settings["BREWCLIP__RabbitMq__QueuePrefix"] = prefix;
                settings["BREWCLIP__Transcription__Language"] = "";
                settings["BREWCLIP__Ingest__StableForMs"] = "300";
                settings["BREWCLIP__Ingest__RescanIntervalMs"] = "500";
                var service = ServiceProcess.Start(project, settings);
                services.Add(service);
                Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
            }

            // The audio alone: Whisper's transcript, embedded.
            File.Copy(speech, Path.Combine(Inbox, "dog.wav"));
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage = 'embedded'") == 1,
                "the audio to be embedded", services);
            Assert.Equal("whisper", await Db.ScalarAsync<string>("select source from brewclip.transcripts"));
            var whisperText = await Db.ScalarAsync<string>("select text from brewclip.recording_segments");
            var whisperVector = await Db.VectorAsync("select embedding from brewclip.audio_vectors");
            var states = new Uri(await Db.ScalarAsync<string>("select encoder_states_uri from brewclip.recording_segments")).LocalPath;
            var statesWritten = File.GetLastWriteTimeUtc(states);

            // Its sidecar, later: the transcript, the segment's text, its text features and the vector all follow it.
            const string sidecar = "A brown dog runs across the green grass.";
            File.WriteAllText(Path.Combine(Inbox, "dog.txt"), sidecar);
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<string>("select text from brewclip.recording_segments") == sidecar
                && await Db.ScalarAsync<string>("select stage from brewclip.recordings") == "embedded", "the sidecar to be embedded", services);
            Assert.Equal("sidecar", await Db.ScalarAsync<string>("select source from brewclip.transcripts"));
            Assert.Equal(sidecar, await Db.ScalarAsync<string>("select text from brewclip.transcripts"));
            Assert.NotEqual(sidecar, whisperText);
            var sidecarVector = await Db.VectorAsync("select embedding from brewclip.audio_vectors");
            // The audio did not change, so Whisper's encoder was not run again: its cached states were reused as they were.
            Assert.Equal(states, new Uri(await Db.ScalarAsync<string>("select encoder_states_uri from brewclip.recording_segments")).LocalPath);
            Assert.Equal(statesWritten, File.GetLastWriteTimeUtc(states));
            Assert.Contains("cached encoder states reused", services[1].Stdout, StringComparison.Ordinal);
            Assert.NotEqual(whisperVector, sidecarVector);

            // The same sidecar written again changes nothing.
            var before = await Db.ScalarAsync<string>("select stage_changed_at::text from brewclip.recordings");
            var rewritten = DateTimeOffset.UtcNow;
            File.WriteAllText(Path.Combine(Inbox, "dog.txt"), sidecar);
            // Ingest has read it (a scan begun after the write found nothing left) and every message since is handled.
            await Settling.CaughtUpAsync(Db, rewritten, ["inbox"], "the rewritten sidecar to be read", services[0]);
            await Settling.FlowAsync("every message to be handled", services);
            Assert.Equal(before, await Db.ScalarAsync<string>("select stage_changed_at::text from brewclip.recordings"));

            // A second copy of the audio elsewhere, with a transcript of its own: the one recording takes that.
            const string other = "The dog is running on a lawn.";
            File.WriteAllText(Path.Combine(Inbox, "copy", "again.txt"), other);
            File.Copy(speech, Path.Combine(Inbox, "copy", "again.wav"));
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<string>("select text from brewclip.recording_segments") == other
                && await Db.ScalarAsync<string>("select stage from brewclip.recordings") == "embedded", "the second copy's sidecar to be embedded", services);
            Assert.Equal(1L, await Db.ScalarAsync<long>("select count(*) from brewclip.recordings"));
            Assert.Equal(2L, await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources"));
            Assert.NotEqual(sidecarVector, await Db.VectorAsync("select embedding from brewclip.audio_vectors"));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }
}
