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
/// from the audio and find the right image for voices they never heard (validation uses voices of its own).
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
    private sealed record Report(string Status, double CandidateMean, double CandidateR1, double ActiveMean, double ActiveR1, double PipelineOnlyMean, string Learned, string Metrics,
        long Run, int Version, string Output);

    [Fact]
    public async Task Retraining_learns_the_pairing_from_the_audio_repeats_with_its_seed_and_promotes_a_better_model()
    {
        var models = Directory.CreateDirectory(Path.Combine(Work, "models")).FullName;
        foreach (var model in new[] { "clip-vit-base-patch32", "whisper-base" })
        {
            Directory.CreateSymbolicLink(Path.Combine(models, model), Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "models", model));
        }
        var (train, validation) = MakeMedia();
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";
        var training = new Dictionary<string, string>
        {
            ["BREWCLIP__Training__Schedule"] = "00:00:00",
            ["BREWCLIP__Training__BatchSize"] = "16",
            ["BREWCLIP__Training__LearningRate"] = "0.002",
            ["BREWCLIP__Training__HeadWidth"] = "64",
            ["BREWCLIP__Training__Heads"] = "4",
            ["BREWCLIP__Training__Prompts"] = "4",
            // Four Whisper frames averaged into one: on this task it trains 3x faster for the same recall (0.67-0.71 either way).
            ["BREWCLIP__Training__AcousticPool"] = "4",
            ["BREWCLIP__Training__Seed"] = "3",
            // Validation against the validation pictures alone: each has the pixels of its class's training picture, which
            // in the gallery would tie with the right answer.
            ["BREWCLIP__Training__GalleryImages"] = "0",
            // And against the validation voices alone: the training voices of the same class are right answers the pairs
            // do not mark, so among them image -> audio measures how many of a class's voices are held out, not learning.
            ["BREWCLIP__Training__GalleryRecordings"] = "0",
            ["BREWCLIP__Training__Ablations"] = "true",
            ["BREWCLIP__Training__MinPairs"] = "16",
            // Out of reach first: both runs end rejected, so the second starts where the first did.
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
        async Task<Report> RetrainAsync(int exitCode)
        {
            var cli = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "retrain", "--wait");
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
                root.GetProperty("ablations").GetProperty("pipeline_only").GetProperty("mean_recall").GetDouble(),
                string.Join(" ", new[] { "candidate", "ablations", "logit_scale", "acoustic_gate" }.Select(p => root.GetProperty(p).GetRawText())),
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

            var first = await RetrainAsync(4);
            var second = await RetrainAsync(4);
            output.WriteLine($"first run: {first.Metrics}");

            // Version 0 is at chance (1 in 8 for audio -> image: every transcript of the fixture Whisper is the same). The trained
            // heads find the class from voices they never heard. Measured with the default schedule (until validation stops improving:
            // 41 epochs, best 31, 11 s): R@1 0.75 and mean recall 0.92 against 0.125 and 0.41; 40 fixed epochs gave 0.54 and 0.89
            // (on the pairs before train and validation went by group).
            // The thresholds leave room for another CPU's rounding: R@1 at least 0.4 (over 3x chance), mean recall 0.4 above.
            Assert.True(first.ActiveR1 <= 0.25, $"version 0's held-out audio -> image R@1 is {first.ActiveR1}; it should be near chance.\n{first.Metrics}");
            Assert.True(first.CandidateR1 >= 0.4 && first.CandidateMean >= first.ActiveMean + 0.4,
                $"the trained heads' held-out audio -> image R@1 is {first.CandidateR1} (mean recall {first.CandidateMean}) against version 0's {first.ActiveR1} ({first.ActiveMean}).\n{first.Metrics}");
            Assert.True(first.CandidateMean >= first.PipelineOnlyMean, $"the full head ({first.CandidateMean}) is worse than pipeline-only ({first.PipelineOnlyMean}).\n{first.Metrics}");
            // The gate was out of reach: rejected, nothing changed; and the same seed gave the same metrics.
            Assert.Equal("rejected", first.Status);
            Assert.Contains($"version {first.Version} rejected: not better than version 0", first.Output, StringComparison.Ordinal);
            Assert.Equal(first.Learned, second.Learned);
            Assert.Equal(0, await Db.ScalarAsync<int>("select brewclip.active_model_version()"));

            // With the gate where it belongs, the next run's candidate is promoted, backfilled and made active.
            trainingService.Terminate();
            Assert.True(await trainingService.WaitForExitAsync(TimeSpan.FromSeconds(30)), trainingService.ToString());
            training["BREWCLIP__Training__MinImprovement"] = "0.05";
            await StartAsync("BrewClip.Training", training);
            // `training status --follow` started while nothing moves waits for the next run and follows it to the end.
            var follow = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "training", "status", "--follow");
            await Eventually.UntilAsync(() => Task.FromResult(follow.Stdout.Contains("waiting for the next run", StringComparison.Ordinal) || follow.HasExited),
                "training status --follow to wait", services);
            Assert.False(follow.HasExited, follow.ToString());
            var third = await RetrainAsync(0);
            output.WriteLine($"third run: {third.Metrics}\n{third.Output}");
            Assert.Equal("succeeded", third.Status);
            var version = third.Version;
            // retrain --wait returned once the version was active: no waiting here.
            Assert.Equal(version, await Db.ScalarAsync<int>("select brewclip.active_model_version()"));
            Assert.Contains($"version {version} active since ", third.Output, StringComparison.Ordinal);
            Assert.True(await follow.WaitForExitAsync(TimeSpan.FromMinutes(1)), follow.ToString());
            Assert.True(follow.ExitCode == 0, follow.ToString());
            Assert.Contains($"run {third.Run,4} succeeded", follow.Stdout, StringComparison.Ordinal);
            Assert.Contains($"version {version} active since ", follow.Stdout, StringComparison.Ordinal);
            // What the run wrote when it ended ("promoted, backfilling") gives way to the version's state now, here and in `brewclip status`.
            var status = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "training", "status");
            Assert.True(await status.WaitForExitAsync(TimeSpan.FromMinutes(1)), status.ToString());
            var line = Assert.Single(status.Stdout.Split('\n'), l => l.Contains($"run {third.Run,4} ", StringComparison.Ordinal));
            Assert.Contains($"version {version} active since ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("backfilling", line, StringComparison.Ordinal);
            Assert.Contains($"version {first.Version} rejected: not better than version 0", status.Stdout, StringComparison.Ordinal);
            var overall = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "status");
            Assert.True(await overall.WaitForExitAsync(TimeSpan.FromMinutes(1)), overall.ToString());
            Assert.Contains($"training  run {third.Run,4} succeeded", overall.Stdout, StringComparison.Ordinal);
            Assert.Contains($"version {version} active since ", overall.Stdout, StringComparison.Ordinal);
            Assert.Equal(recordings, await Db.ScalarAsync<long>($"select count(*) from brewclip.audio_vectors where model_version = {version}"));
            Assert.Equal(2L * Words.Length, await Db.ScalarAsync<long>($"select count(*) from brewclip.image_vectors where model_version = {version}"));
            var list = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "models", "list");
            Assert.True(await list.WaitForExitAsync(TimeSpan.FromMinutes(1)), list.ToString());
            Assert.Contains($"mean validation recall {third.CandidateMean.ToString("0.###", CultureInfo.InvariantCulture)} (version 0: ", list.Stdout, StringComparison.Ordinal);
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
