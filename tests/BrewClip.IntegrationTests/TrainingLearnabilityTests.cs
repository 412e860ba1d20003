using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Learnability through the real services (Ingest -> Transcription -> AcousticEmbedding / ImageEmbedding ->
/// Training): eight classes, a picture per class made by ffmpeg (in two copies: one for the training voices, one for
/// the held-out ones, since train and validation go by group), the class word spoken by espeak-ng in several
/// voices and speeds, paired by a pairs.csv. With the tiny fixture models the transcripts carry little, so
/// version 0 (Whisper's transcript through CLIP's text tower) is near chance; the heads must learn the pairing
/// from the audio and find the right image for voices they never heard (validation uses voices of its own). A run at
/// the Training service's defaults must reach held-out audio->image R@1 0.9.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class TrainingLearnabilityTests(Xunit.Abstractions.ITestOutputHelper output) : WatchedFolderTests("learnability")
{
    private static readonly string[] Words = LearnabilityClasses.Words;

    private static readonly string[] Patterns = LearnabilityClasses.Patterns;

    /// <summary>Eight voices at two speeds each for training.</summary>
    private static readonly string[][] TrainVoices =
    [
        .. new[] { "en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-us+f3", "en-gb+m3", "en-us+f2", "en-gb-x-gbclan" }
            .SelectMany(voice => new[] { new[] { "-v", voice, "-s", "130" }, ["-v", voice, "-s", "180"] }),
    ];

    /// <summary>Three voices training never hears.</summary>
    private static readonly string[][] HeldOutVoices = [["-v", "en-029", "-s", "165"], ["-v", "en-gb-x-gbcwmd+f4", "-s", "150"], ["-v", "en-us+m4", "-s", "155"]];

    /// <summary>What one retrain reported: mean recall and audio -> image R@1 of the candidate and version 0, and the ablations.</summary>
    private sealed record Report(string Status, double CandidateMean, double CandidateR1, double ActiveMean, double ActiveR1, double? PipelineOnlyMean, string Learned, string Metrics,
        long Run, int Version, string Output);

    [Fact]
    public async Task Retraining_at_the_defaults_learns_the_pairing_from_the_audio_repeats_with_its_seed_and_promotes_a_better_model()
    {
        var models = Directory.CreateDirectory(Path.Combine(Work, "models")).FullName;
        foreach (var model in new[] { "clip-vit-base-patch32", "whisper-base" })
        {
            Directory.CreateSymbolicLink(Path.Combine(models, model), Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "models", model));
        }
        var (train, validation) = MakeMedia();
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";
        // The defaults (schedule, heads, augmentation), but for how the gate measures and judges.
        var training = new Dictionary<string, string>
        {
            ["BREWCLIP__Training__Schedule"] = "00:00:00",
            // Validation against the validation pictures alone: each has the pixels of its class's training picture, which
            // in the gallery would tie with the right answer.
            ["BREWCLIP__Training__GalleryImages"] = "0",
            // And against the validation voices alone: the training voices of the same class are right answers the pairs
            // do not mark, so among them image -> audio measures how many of a class's voices are held out, not learning.
            ["BREWCLIP__Training__GalleryRecordings"] = "0",
            // Out of reach first: the runs end rejected, so each starts where the first did.
            ["BREWCLIP__Training__MinImprovement"] = "1",
        };
        var services = new List<ServiceProcess>();
        Dictionary<string, string> Settings(int port, Dictionary<string, string>? extra = null)
        {
            var settings = IngestSettings(port);
            settings["BREWCLIP__RabbitMq__QueuePrefix"] = prefix;
            settings["BREWCLIP__Models__Root"] = models;
            settings["BREWCLIP__Transcription__Language"] = "";
            settings["BREWCLIP__Backfill__PollSeconds"] = "2";
            settings["BREWCLIP__Training__PromotionPollSeconds"] = "2";
            foreach (var (key, value) in extra ?? [])
            {
                settings[key] = value;
            }
            return settings;
        }
        async Task<ServiceProcess> StartAsync(string project, Dictionary<string, string>? extra = null)
        {
            var port = ServiceProcess.FreePort();
            var service = ServiceProcess.Start(project, Settings(port, extra));
            services.Add(service);
            Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
            return service;
        }
        // retrain --wait follows the run and then its version until that is active (exit 0) or not (4).
        async Task<Report> RetrainAsync(int exitCode, params string[] options)
        {
            var cli = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, ["retrain", "--wait", .. options]);
            Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(8)), $"brewclip retrain --wait did not end.\n{cli}\n{string.Join('\n', services)}");
            Assert.True(cli.ExitCode == exitCode, $"brewclip retrain --wait exited {cli.ExitCode}, not {exitCode}.\n{cli}\n{services[^1]}");
            var run = await Db.ScalarAsync<long>("select max(id) from brewclip.training_runs");
            var metrics = await Db.ScalarAsync<string>($"select metrics::text from brewclip.training_runs where id = {run}");
            using var json = JsonDocument.Parse(metrics);
            var root = json.RootElement;
            return new Report(await Db.ScalarAsync<string>($"select status from brewclip.training_runs where id = {run}"),
                root.GetProperty("candidate").GetProperty("mean_recall").GetDouble(),
                root.GetProperty("candidate").GetProperty("audio_to_image").GetProperty("r1").GetDouble(),
                root.GetProperty("active").GetProperty("mean_recall").GetDouble(),
                root.GetProperty("active").GetProperty("audio_to_image").GetProperty("r1").GetDouble(),
                root.TryGetProperty("ablations", out var ablations) && ablations.ValueKind == JsonValueKind.Object
                    ? ablations.GetProperty("pipeline_only").GetProperty("mean_recall").GetDouble() : null,
                string.Join(" ", new[] { "candidate", "ablations", "logit_scale", "acoustic_gate" }
                    .Select(p => root.TryGetProperty(p, out var value) ? value.GetRawText() : "-")),
                metrics, run, await Db.ScalarAsync<int>($"select coalesce(candidate_version, -1) from brewclip.training_runs where id = {run}"), cli.Stdout);
        }

        try
        {
            foreach (var project in new[] { "BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding" })
            {
                await StartAsync(project);
            }
            var trainingService = await StartAsync("BrewClip.Training", training);
            foreach (var file in Directory.GetFiles(Made))
            {
                File.Copy(file, Path.Combine(Inbox, Path.GetFileName(file)));
            }
            var recordings = train + validation;
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage = 'embedded'") == recordings
                && await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage = 'embedded'") == 2 * Words.Length
                && await Db.ScalarAsync<long>("select count(*) from brewclip.pairs") == recordings, "every file to be indexed and paired", services,
                async () => string.Join(", ", await Db.ColumnAsync<string>("""
                    select 'recordings ' || stage || ' ' || count(*) from brewclip.recordings group by stage
                    union all select 'images ' || stage || ' ' || count(*) from brewclip.images group by stage
                    union all select 'pairs ' || count(*) from brewclip.pairs
                    union all select 'open claims ' || count(*) from brewclip.pair_claims where pair_id is null
                    union all select 'media ' || status || ' ' || count(*) from brewclip.media group by status
                    """)) + $" (expected {recordings} recordings)");
            Assert.Equal(validation, await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where split = 'validation'"));
            // No picture and no voice on both sides.
            Assert.Equal(0L, await Db.ScalarAsync<long>("""
                select count(*) from (select image_id from brewclip.pairs group by image_id having count(distinct split) > 1
                                      union all select recording_id from brewclip.pairs group by recording_id having count(distinct split) > 1) x
                """));

            // At the defaults, the trained heads find the class from voices they never heard; version 0 is at chance (1 in 8 for
            // audio -> image: every transcript of the fixture Whisper is the same). Measured (seeds 0-5): held-out R@1 0.92-0.96
            // in 1000 steps (about 2 minutes here); the same steps without augmentation 0.83 (seeds 0-3); the former defaults
            // (300 steps at least, no augmentation) 0.83 (seed 3).
            var first = await RetrainAsync(4);
            output.WriteLine($"first run (defaults): {first.Metrics}");
            Assert.True(first.ActiveR1 <= 0.25, $"version 0's held-out audio -> image R@1 is {first.ActiveR1}; it should be near chance.\n{first.Metrics}");
            Assert.True(first.CandidateR1 >= 0.9,
                $"the trained heads' held-out audio -> image R@1 is {first.CandidateR1} (mean recall {first.CandidateMean}) against version 0's {first.ActiveR1} ({first.ActiveMean}).\n{first.Metrics}");
            // The gate was out of reach: rejected, nothing changed.
            Assert.Equal("rejected", first.Status);
            Assert.Contains($"version {first.Version} rejected: not better than version 0", first.Output, StringComparison.Ordinal);
            Assert.Equal(0, await Db.ScalarAsync<int>("select brewclip.active_model_version()"));

            // Runs of a fixed length (--epochs), with the ablations beside: the same seed learns the same, and the full head
            // is no worse than the pipeline channel alone.
            async Task RestartTrainingAsync()
            {
                trainingService.Terminate();
                Assert.True(await trainingService.WaitForExitAsync(TimeSpan.FromSeconds(30)), trainingService.ToString());
                trainingService = await StartAsync("BrewClip.Training", training);
            }
            training["BREWCLIP__Training__Ablations"] = "true";
            await RestartTrainingAsync();
            var second = await RetrainAsync(4, "--epochs", "40");
            var third = await RetrainAsync(4, "--epochs", "40");
            output.WriteLine($"second run (40 epochs): {second.Metrics}");
            Assert.Equal(second.Learned, third.Learned);
            Assert.Equal(40, JsonDocument.Parse(second.Metrics).RootElement.GetProperty("epochs").GetInt32());
            Assert.True(second.CandidateMean >= second.PipelineOnlyMean, $"the full head ({second.CandidateMean}) is worse than pipeline-only ({second.PipelineOnlyMean}).\n{second.Metrics}");
            Assert.True(second.CandidateMean >= second.ActiveMean + 0.3, $"40 epochs' mean recall {second.CandidateMean} against version 0's {second.ActiveMean}.\n{second.Metrics}");

            // With the gate where it belongs, the next run's candidate is promoted, backfilled and made active.
            training["BREWCLIP__Training__Ablations"] = "false";
            training["BREWCLIP__Training__MinImprovement"] = "0.05";
            await RestartTrainingAsync();
            // `training status --follow` started while nothing moves waits for the next run and follows it to the end.
            var follow = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "training", "status", "--follow");
            await Eventually.UntilAsync(() => Task.FromResult(follow.Stdout.Contains("waiting for the next run", StringComparison.Ordinal) || follow.HasExited),
                "training status --follow to wait", services);
            Assert.False(follow.HasExited, follow.ToString());
            var promoted = await RetrainAsync(0, "--epochs", "40");
            output.WriteLine($"promoted run: {promoted.Metrics}\n{promoted.Output}");
            Assert.Equal("succeeded", promoted.Status);
            var version = promoted.Version;
            // retrain --wait returned once the version was active: no waiting here.
            Assert.Equal(version, await Db.ScalarAsync<int>("select brewclip.active_model_version()"));
            Assert.Contains($"version {version} active since ", promoted.Output, StringComparison.Ordinal);
            Assert.True(await follow.WaitForExitAsync(TimeSpan.FromMinutes(1)), follow.ToString());
            Assert.True(follow.ExitCode == 0, follow.ToString());
            Assert.Contains($"run {promoted.Run,4} succeeded", follow.Stdout, StringComparison.Ordinal);
            Assert.Contains($"version {version} active since ", follow.Stdout, StringComparison.Ordinal);
            // What the run wrote when it ended ("promoted, backfilling") gives way to the version's state now, here and in `brewclip status`.
            var status = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "training", "status");
            Assert.True(await status.WaitForExitAsync(TimeSpan.FromMinutes(1)), status.ToString());
            var line = Assert.Single(status.Stdout.Split('\n'), l => l.Contains($"run {promoted.Run,4} ", StringComparison.Ordinal));
            Assert.Contains($"version {version} active since ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("backfilling", line, StringComparison.Ordinal);
            Assert.Contains($"version {first.Version} rejected: not better than version 0", status.Stdout, StringComparison.Ordinal);
            var overall = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "status");
            Assert.True(await overall.WaitForExitAsync(TimeSpan.FromMinutes(1)), overall.ToString());
            Assert.Contains($"training  run {promoted.Run,4} succeeded", overall.Stdout, StringComparison.Ordinal);
            Assert.Contains($"version {version} active since ", overall.Stdout, StringComparison.Ordinal);
            Assert.Equal(recordings, await Db.ScalarAsync<long>($"select count(*) from brewclip.audio_vectors where model_version = {version}"));
            Assert.Equal(2L * Words.Length, await Db.ScalarAsync<long>($"select count(*) from brewclip.image_vectors where model_version = {version}"));
            var list = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "models", "list");
            Assert.True(await list.WaitForExitAsync(TimeSpan.FromMinutes(1)), list.ToString());
            Assert.Contains($"mean validation recall {promoted.CandidateMean.ToString("0.###", CultureInfo.InvariantCulture)} (version 0: ", list.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The images, the spoken words and a pairs.csv in the Made folder. Train and validation go by connected group
    /// (an image with all its recordings), so each class has two pictures: one paired with the training voices, one
    /// with the held-out voices. They are the same pixels in other bytes (a PNG text chunk), so validation asks for
    /// the class's picture from voices training never heard; the chunk's text is varied until the group falls on its
    /// intended side (the SHA-256 of the group's smallest content hash decides). Returns how many recordings are in each.
    /// </summary>
    private (int Train, int Validation) MakeMedia()
    {
        var rows = new List<string> { "audio,image" };
        var counts = (Train: 0, Validation: 0);
        var seen = new HashSet<string>();
        for (var k = 0; k < Words.Length; k++)
        {
            var picture = Path.Combine(Work, $"class-{k}.png");
            TestMedia.Ffmpeg("-f", "lavfi", "-i", Patterns[k], "-frames:v", "1", picture);
            var pixels = File.ReadAllBytes(picture);
            foreach (var (voices, validation) in new[] { (TrainVoices, false), (HeldOutVoices, true) })
            {
                var group = new List<byte[]>();
                var side = validation ? "heldout" : "voice";
                for (var v = 0; v < voices.Length; v++)
                {
                    var name = $"{Words[k]}-{side}-{v}";
                    for (var pitch = 50; ; pitch++)
                    {
                        Assert.True(pitch < 99, $"no pitch made {name} differ from every other file");
                        var path = TestMedia.Speak(Work, name, Words[k], voice: [.. voices[v], "-p", pitch.ToString(CultureInfo.InvariantCulture)]);
                        var hash = SHA256.HashData(File.ReadAllBytes(path));
                        // Two voice settings can speak a word identically; each file must be content of its own.
                        if (seen.Add(Convert.ToHexString(hash)))
                        {
                            File.Move(path, Path.Combine(Made, name + ".wav"));
                            group.Add(hash);
                            break;
                        }
                    }
                    rows.Add($"{name}.wav,class-{k}-{side}.png");
                    counts = validation ? (counts.Train, counts.Validation + 1) : (counts.Train + 1, counts.Validation);
                }
                GroupedPicture.Write(pixels, group, validation, Path.Combine(Made, $"class-{k}-{side}.png"));
            }
        }
        File.WriteAllLines(Path.Combine(Made, "pairs.csv"), rows);
        return counts;
    }
}
