using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Learnability when only the words say the class, through the real services: each recording is the same tone at a
/// volume of its own (nothing in the sound says the class) with a sidecar transcript that names its class in a sentence, paired by a
/// pairs.csv with the class's picture. Version 0 (the fixture CLIP's text embedding against its image embedding) does
/// not know which word goes with which picture; after a retrain at the defaults, the pipeline channel and the image
/// adapter have learned it, and a typed search, which runs through the pipeline channel alone, finds each class's
/// picture from a sentence training never saw.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class TypedTextLearnabilityTests(Xunit.Abstractions.ITestOutputHelper output) : WatchedFolderTests("typed-text")
{
    private static readonly string[] Words = LearnabilityClasses.Words;

    private static readonly string[] Patterns = LearnabilityClasses.Patterns;

    private static readonly string[] TrainSentences =
    [
        "{0}", "a {0}", "the {0}", "one {0}", "my {0}", "a {0} here", "look at the {0}", "see the {0}", "this is a {0}",
        "that {0} again", "I like the {0}", "there goes the {0}", "we saw a {0}", "here is my {0}", "an old {0}", "the {0} is back",
        "a small {0}", "his {0}", "the new {0}", "look, a {0}", "where is the {0}", "it is a {0}", "our {0}", "a {0} again",
    ];

    private static readonly string[] HeldOutSentences = ["what a {0}", "your {0} now", "she found a {0}"];

    [Fact]
    public async Task When_only_the_words_say_the_class_a_retrain_teaches_typed_search_to_find_its_picture()
    {
        var models = Directory.CreateDirectory(Path.Combine(Work, "models")).FullName;
        foreach (var model in new[] { "clip-vit-base-patch32", "whisper-base" })
        {
            Directory.CreateSymbolicLink(Path.Combine(models, model), Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "models", model));
        }
        var (train, validation) = MakeMedia();
        var prefix = "x" + Guid.NewGuid().ToString("N")[..8] + "-";
        var services = new List<ServiceProcess>();
        Dictionary<string, string> Settings(int port)
        {
            var settings = IngestSettings(port);
            settings["BREWCLIP__RabbitMq__QueuePrefix"] = prefix;
            settings["BREWCLIP__Models__Root"] = models;
            settings["BREWCLIP__Transcription__Language"] = "";
            settings["BREWCLIP__Backfill__PollSeconds"] = "2";
            settings["BREWCLIP__Training__PromotionPollSeconds"] = "2";
            settings["BREWCLIP__Training__Schedule"] = "00:00:00";
            // The learnability test's head size and batch; the schedule, losses and gate are the defaults.
            settings["BREWCLIP__Training__BatchSize"] = "16";
            settings["BREWCLIP__Training__LearningRate"] = "0.002";
            settings["BREWCLIP__Training__HeadWidth"] = "64";
            settings["BREWCLIP__Training__Heads"] = "4";
            settings["BREWCLIP__Training__Prompts"] = "4";
            settings["BREWCLIP__Training__AcousticPool"] = "4";
            settings["BREWCLIP__Training__Seed"] = "3";
            settings["BREWCLIP__Training__MinPairs"] = "16";
            // The held-out pictures have their training pictures' pixels, which in the gallery would tie with the right answer.
            settings["BREWCLIP__Training__GalleryImages"] = "0";
            return settings;
        }
        async Task<ServiceProcess> CliAsync(params string[] args)
        {
            var cli = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, args);
            Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(8)), $"brewclip {string.Join(' ', args)} did not end.\n{cli}\n{string.Join('\n', services)}");
            return cli;
        }
        // The class whose picture a typed search puts first, for each class, typed as a sentence pattern training never saw.
        async Task<int[]> TypedSearchAsync(string pattern)
        {
            var found = new int[Words.Length];
            for (var k = 0; k < Words.Length; k++)
            {
                var cli = await CliAsync("search", string.Format(CultureInfo.InvariantCulture, pattern, Words[k]), "--kind", "images", "--json");
                Assert.True(cli.ExitCode == 0, cli.ToString());
                var key = JsonDocument.Parse(cli.Stdout).RootElement.GetProperty("hits")[0].GetProperty("key").GetString()!;
                found[k] = int.Parse(key.Split('-')[1], CultureInfo.InvariantCulture);
            }
            return found;
        }

        try
        {
            foreach (var project in new[] { "BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding", "BrewClip.Training" })
            {
                var port = ServiceProcess.FreePort();
                var service = ServiceProcess.Start(project, Settings(port));
                services.Add(service);
                Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
            }
            // The sidecars first, so each recording is transcribed from its words once.
            foreach (var file in Directory.GetFiles(Made).OrderBy(f => Path.GetExtension(f) != ".txt"))
            {
                File.Copy(file, Path.Combine(Inbox, Path.GetFileName(file)));
            }
            var recordings = train + validation;
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.recordings r join brewclip.transcripts t on t.recording_id = r.id and t.source = 'sidecar' where r.stage = 'embedded'") == recordings
                && await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage = 'embedded'") == 2 * Words.Length
                && await Db.ScalarAsync<long>("select count(*) from brewclip.pairs") == recordings, $"{recordings} recordings and their pictures to be indexed", services);
            Assert.Equal(validation, await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where split = 'validation'"));
            var zeroShot = await TypedSearchAsync(HeldOutSentences[0]);

            var retrain = await CliAsync("retrain", "--wait");
            var metrics = await Db.ScalarAsync<string>("select metrics::text from brewclip.training_runs order by id desc limit 1");
            output.WriteLine($"{retrain.Stdout}\n{metrics}");
            Assert.True(retrain.ExitCode == 0, $"retrain --wait exited {retrain.ExitCode}: the candidate was not made active.\n{retrain}\n{metrics}");
            using var json = JsonDocument.Parse(metrics);
            double R1(string version, string direction) => json.RootElement.GetProperty(version).GetProperty(direction).GetProperty("r1").GetDouble();
            var trained = await TypedSearchAsync(HeldOutSentences[0]);
            output.WriteLine($"typed search's first class, version 0: {string.Join(' ', zeroShot)}; trained: {string.Join(' ', trained)}");

            // Held-out sentences: version 0 finds one class in eight from its words, the trained version nearly all. Measured in
            // two runs (the batches follow the order files were ingested in): typed text->image R@1 0.125 -> 0.92 and 0.96, audio->image
            // the same (the sound adds nothing), the acoustic gate 0.05.
            Assert.True(R1("active", "text_to_image") <= 0.5, $"version 0's typed text->image R@1 is {R1("active", "text_to_image")}.\n{metrics}");
            Assert.True(R1("candidate", "text_to_image") >= 0.8, $"the trained typed text->image R@1 is {R1("candidate", "text_to_image")}.\n{metrics}");
            Assert.True(R1("candidate", "audio_to_image") >= 0.8, $"the trained audio->image R@1 is {R1("candidate", "audio_to_image")}.\n{metrics}");
            // And typed search, through Search's own path with the version now active, finds each class's picture from a held-out
            // sentence (measured: 1 of 8 at version 0, 8 of 8 trained). A sentence further from any said (as "a picture of a banana")
            // is beyond the fixture's tiny CLIP text tower: the trained version found 1 of 8 that way.
            Assert.True(zeroShot.Where((c, k) => c == k).Count() <= 4, $"version 0 already found {string.Join(' ', zeroShot)}");
            Assert.True(trained.Where((c, k) => c == k).Count() >= 7, $"the trained version's typed search found {string.Join(' ', trained)} for classes 0-7.\n{metrics}");
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
    /// One tone at volumes of their own (unrelated to the class), a sidecar naming the class in a sentence each,
    /// two copies of each class's picture (one paired with the training sentences, one with the held-out ones, each
    /// group on its side) and a pairs.csv. Returns how many recordings are in each split.
    /// </summary>
    private (int Train, int Validation) MakeMedia()
    {
        var rows = new List<string> { "audio,image" };
        var counts = (Train: 0, Validation: 0);
        var random = new Random(7);
        // Volumes in a random order, so not even the loudness follows the class.
        var volumes = new Queue<int>(Enumerable.Range(0, Words.Length * (TrainSentences.Length + HeldOutSentences.Length)).OrderBy(_ => random.Next()));
        for (var k = 0; k < Words.Length; k++)
        {
            var picture = Path.Combine(Work, $"class-{k}.png");
            TestMedia.Ffmpeg("-f", "lavfi", "-i", Patterns[k], "-frames:v", "1", picture);
            foreach (var (sentences, validation) in new[] { (TrainSentences, false), (HeldOutSentences, true) })
            {
                var side = validation ? "heldout" : "train";
                var group = new List<byte[]>();
                for (var s = 0; s < sentences.Length; s++)
                {
                    var volume = (0.3 + 0.002 * volumes.Dequeue()).ToString("0.000", CultureInfo.InvariantCulture);
                    var name = $"said-{k}-{side}-{s}";
                    var path = Path.Combine(Made, name + ".wav");
                    TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1.5", "-af", $"volume={volume}", "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", path);
                    File.WriteAllText(Path.Combine(Made, name + ".txt"), string.Format(CultureInfo.InvariantCulture, sentences[s], Words[k]) + "\n");
                    group.Add(SHA256.HashData(File.ReadAllBytes(path)));
                    rows.Add($"{name}.wav,class-{k}-{side}.png");
                    counts = validation ? (counts.Train, counts.Validation + 1) : (counts.Train + 1, counts.Validation);
                }
                GroupedPicture.Write(File.ReadAllBytes(picture), group, validation, Path.Combine(Made, $"class-{k}-{side}.png"));
            }
        }
        File.WriteAllLines(Path.Combine(Made, "pairs.csv"), rows);
        return counts;
    }
}
