using System.Text.Json;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A change of CLIP on a populated index: from ViT-B/32 (512-d) to a ViT-L/14-shaped stand-in (768-d,
/// tests/fixtures/catalogue). Training makes a base version for the new models; services still running the old CLIP
/// leave it alone; search keeps answering with the old version until the services running the new CLIP have embedded
/// every item again from its media, then answers with the new one.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class ModelChangeTests() : IndexedFolderTests("model-change")
{
    private const string Large = "clip-vit-large-patch14";

    [Fact]
    public async Task A_new_clip_reindexes_from_the_media_while_the_old_version_serves_search_then_takes_over()
    {
        await IndexAsync();
        Directory.CreateSymbolicLink(Path.Combine(Models, Large), Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "catalogue", Large));
        var large = new Dictionary<string, string> { ["BREWCLIP__Models__Clip"] = Large };

        // Training (and Search) now run the new CLIP; the embedding services still run the old one.
        var (_, searchPort) = await StartAsync("BrewClip.Search", large);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{searchPort}"), Timeout = TimeSpan.FromMinutes(2) };
        var (training, _) = await StartAsync("BrewClip.Training", large);
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>(
            $"select count(*) from brewclip.model_versions where version = 1 and status = 'backfilling' and clip_model = '{Large}' and width = 768 and artifact_uri is null") == 1,
            "Training to register and promote a base version for the new CLIP", Services);
        await using (var list = await ServiceProcess.RunAsync("BrewClip.Cli", Settings(ServiceProcess.FreePort()), "models", "list"))
        {
            Assert.Contains($"{Large} + whisper-base, fp32, 768-d", list.Stdout, StringComparison.Ordinal);
        }
        await using (var status = await ServiceProcess.RunAsync("BrewClip.Cli", Settings(ServiceProcess.FreePort()), "status"))
        {
            Assert.Contains("model     version 0: zero-shot pipeline model", status.Stdout, StringComparison.Ordinal);
            Assert.Contains("(clip-vit-base-patch32 + whisper-base, fp32, 512-d)", status.Stdout, StringComparison.Ordinal);
            Assert.Contains($"model     version 1 re-indexing for a change of model ({Large} + whisper-base, fp32, 768-d)", status.Stdout, StringComparison.Ordinal);
        }

        // Re-indexing waits for services running the new CLIP (the old ones skip the version: nothing fails), and meanwhile
        // search answers from version 0 with the old CLIP's query towers.
        await Eventually.UntilAsync(() => Task.FromResult(Services.Any(s => s.Stdout.Contains(
            $"Backfill (image) of model version 1 is left to services running its models ({Large} + whisper-base, 768-d)", StringComparison.Ordinal))),
            "the old ImageEmbedding to leave version 1 to others", Services);
        var during = await JsonAsync(await http.GetAsync("/api/search?q=red%20train%20station&kind=audio"));
        Assert.Equal(0, during.GetProperty("modelVersion").GetInt32());
        Assert.Equal("train.wav", during.GetProperty("hits")[0].GetProperty("key").GetString());
        var redDuring = await JsonAsync(await http.PostAsync("/api/search?kind=images", Upload(Path.Combine(Made, "red.png"))));
        Assert.Equal((0, "red.png"), (redDuring.GetProperty("modelVersion").GetInt32(), redDuring.GetProperty("hits")[0].GetProperty("key").GetString()));
        Assert.Equal(0L, await Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal("backfilling", await Db.ScalarAsync<string>("select status from brewclip.model_versions where version = 1"));

        // The embedding services restart with the new CLIP: every image is embedded again from its media, every segment's
        // text by the new text tower; then version 1 becomes active.
        // IndexAsync started Ingest, Transcription, AcousticEmbedding and ImageEmbedding, in that order.
        foreach (var service in new[] { Services[2], Services[3] })
        {
            service.Terminate();
            Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), service.ToString());
        }
        await StartAsync("BrewClip.AcousticEmbedding", large);
        await StartAsync("BrewClip.ImageEmbedding", large);
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<string>("select status from brewclip.model_versions where version = 1") == "active",
            "version 1 to be re-indexed and activated", Services);

        Assert.Equal("retired", await Db.ScalarAsync<string>("select status from brewclip.model_versions where version = 0"));
        Assert.Equal(768, await Db.ScalarAsync<int>("select min(vector_dims(embedding::vector)) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal(768, await Db.ScalarAsync<int>("select max(vector_dims(embedding::vector)) from brewclip.audio_vectors where model_version = 1"));
        Assert.Equal(await Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 0"),
            await Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        Assert.Equal(await Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 0"),
            await Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 1"));
        Assert.Equal(0L, await Db.ScalarAsync<long>($"select count(*) from brewclip.image_features where clip_model <> '{Large}'"));

        // Search now answers from version 1, its queries embedded by the new CLIP.
        var after = await JsonAsync(await http.GetAsync("/api/search?q=red%20train%20station&kind=audio"));
        Assert.Equal((1, "train.wav"), (after.GetProperty("modelVersion").GetInt32(), after.GetProperty("hits")[0].GetProperty("key").GetString()));
        var redAfter = await JsonAsync(await http.PostAsync("/api/search?kind=images", Upload(Path.Combine(Made, "red.png"))));
        var top = redAfter.GetProperty("hits")[0];
        Assert.Equal((1, "red.png"), (redAfter.GetProperty("modelVersion").GetInt32(), top.GetProperty("key").GetString()));
        Assert.True(top.GetProperty("similarity").GetDouble() > 0.999, redAfter.ToString());

        // Heads trained on the new CLIP's features are 768-d too: a run on pairs of spoken class words and class pictures
        // (indexed by the services running the new CLIP), its candidate promoted, re-embedded and made active.
        var (trainPairs, validationPairs) = MakeClassPairs(Directory.CreateDirectory(Path.Combine(Inbox, "classes")).FullName);
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where split = 'validation'") >= validationPairs
            && await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage = 'embedded'") == 5 + trainPairs + validationPairs
            && await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage = 'embedded'") == 7 + 2 * LearnabilityClasses.Words.Length,
            "the class pairs to be indexed", Services);
        training.Terminate();
        Assert.True(await training.WaitForExitAsync(TimeSpan.FromSeconds(60)), training.ToString());
        await StartAsync("BrewClip.Training", new(large)
        {
            ["BREWCLIP__Training__Schedule"] = "00:00:00",
            ["BREWCLIP__Training__HeadWidth"] = "64",
            ["BREWCLIP__Training__Heads"] = "4",
            ["BREWCLIP__Training__Prompts"] = "4",
            ["BREWCLIP__Training__BatchSize"] = "16",
            ["BREWCLIP__Training__LearningRate"] = "0.002",
            ["BREWCLIP__Training__GalleryImages"] = "0",
            ["BREWCLIP__Training__GalleryRecordings"] = "0",
            ["BREWCLIP__Training__MinValidationPairs"] = validationPairs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["BREWCLIP__Training__MinImprovement"] = "0",
            ["BREWCLIP__Training__MaxRegression"] = "1",
        });
        await using (var retrain = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, "retrain", "--wait", "--epochs", "60"))
        {
            Assert.True(await retrain.WaitForExitAsync(TimeSpan.FromMinutes(5)), $"retrain --wait did not end.\n{retrain}\n{string.Join('\n', Services)}");
            var metrics = await Db.ScalarAsync<string>("select coalesce(metrics::text, '') from brewclip.training_runs order by id desc limit 1");
            Assert.True(retrain.ExitCode == 0, $"retrain --wait exited {retrain.ExitCode}.\n{retrain}\n{metrics}");
            Assert.Contains("version 2 active since ", retrain.Stdout, StringComparison.Ordinal);
        }
        Assert.Equal((768, Large), (await Db.ScalarAsync<int>("select width from brewclip.model_versions where version = 2"),
            await Db.ScalarAsync<string>("select clip_model from brewclip.model_versions where version = 2")));
        Assert.Equal(768, await Db.ScalarAsync<int>("select min(vector_dims(embedding::vector)) from brewclip.audio_vectors where model_version = 2"));
        Assert.Equal(768, await Db.ScalarAsync<int>("select max(vector_dims(embedding::vector)) from brewclip.image_vectors where model_version = 2"));
        Assert.Equal(await Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 1"),
            await Db.ScalarAsync<long>("select count(*) from brewclip.audio_vectors where model_version = 2"));
        // The trained version's search answers too, its queries through its own 768-d heads.
        var trained = await JsonAsync(await http.GetAsync("/api/search?q=red%20train%20station&kind=audio"));
        Assert.Equal(2, trained.GetProperty("modelVersion").GetInt32());
        Assert.NotEqual(0, trained.GetProperty("hits").GetArrayLength());
    }

    /// <summary>
    /// The learnability classes' pictures (two copies each: one paired with training voices, one with validation voices,
    /// each group put on its side) and their words spoken, with a pairs.csv, in <paramref name="folder"/>.
    /// </summary>
    private static (int Train, int Validation) MakeClassPairs(string folder)
    {
        var scratch = Directory.CreateTempSubdirectory("brewclip-classes-").FullName;
        var rows = new List<string> { "audio,image" };
        var counts = (Train: 0, Validation: 0);
        string[] voices = ["en-us", "en-gb", "en-gb-scotland"];
        for (var k = 0; k < LearnabilityClasses.Words.Length; k++)
        {
            var word = LearnabilityClasses.Words[k];
            var picture = Path.Combine(scratch, $"class-{k}.png");
            TestMedia.Ffmpeg("-f", "lavfi", "-i", LearnabilityClasses.Patterns[k], "-frames:v", "1", picture);
            foreach (var (validation, from, count) in new[] { (false, 0, 3), (true, 3, 2) })
            {
                var side = validation ? "check" : "train";
                var hashes = new List<byte[]>();
                for (var v = from; v < from + count; v++)
                {
                    // Validation hears the training voices at another pitch: this checks the 768-d path, not generalisation.
                    var spoken = TestMedia.Speak(scratch, $"{word}-{v}", word, voice: ["-v", voices[v % 3], "-p", (40 + 5 * v).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                    hashes.Add(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(spoken)));
                    rows.Add($"{word}-{v}.wav,class-{k}-{side}.png");
                    counts = validation ? (counts.Train, counts.Validation + 1) : (counts.Train + 1, counts.Validation);
                }
                GroupedPicture.Write(File.ReadAllBytes(picture), hashes, validation, Path.Combine(scratch, $"class-{k}-{side}.png"));
            }
            File.Delete(picture);
        }
        File.WriteAllLines(Path.Combine(scratch, "pairs.csv"), rows);
        // The media first, the list last: each pair is claimed as its two sides arrive either way.
        foreach (var file in Directory.GetFiles(scratch).Where(f => !f.EndsWith(".espeak.wav", StringComparison.Ordinal)).OrderBy(f => f.EndsWith(".csv", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        Directory.Delete(scratch, recursive: true);
        return counts;
    }

    [Fact]
    public async Task A_change_of_model_given_up_is_rejected_so_it_holds_back_no_promotion()
    {
        // A base version for the large CLIP was on its way when the options went back to the active version's models.
        await Db.ExecuteAsync($"""
            insert into brewclip.model_versions (version, status, description, clip_model, whisper_model, model_precision, width)
            values (1, 'backfilling', 'base version for {Large}', '{Large}', 'whisper-base', 'fp32', 768)
            """);
        var (training, _) = await StartAsync("BrewClip.Training");

        await Eventually.UntilAsync(async () => await Db.ScalarAsync<string>("select status from brewclip.model_versions where version = 1") == "rejected",
            "the abandoned base version to be rejected", training);
        Assert.Contains($"the change of model to {Large} + whisper-base, 768-d was given up", await Db.ScalarAsync<string>(
            "select status_reason from brewclip.model_versions where version = 1"), StringComparison.Ordinal);
        Assert.Equal("active", await Db.ScalarAsync<string>("select status from brewclip.model_versions where version = 0"));
    }

    private static MultipartFormDataContent Upload(string path) => new() { { new ByteArrayContent(File.ReadAllBytes(path)), "file", Path.GetFileName(path) } };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
