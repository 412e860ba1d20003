using System.Diagnostics;
using BrewClip.Media;
using BrewClip.Models.Clip;
using BrewClip.Onnx;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Images and a video dropped into a watched folder go through the real Ingest and ImageEmbedding services
/// (tiny CLIP-shaped fixture model): ImageEmbedding reads the crops Ingest stored instead of decoding again,
/// and the embeddings are exactly those of CLIP's preprocessing of the original files.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class ImageFlowTests() : WatchedFolderTests("image-flow")
{
    [Fact]
    public async Task Dropped_images_are_embedded_from_ingests_crops_as_from_the_original_files()
    {
        var stills = new List<string>();
        foreach (var (name, source) in new[]
        {
            ("grid.png", "testsrc2=size=320x240"), ("wide.jpg", "testsrc=size=640x200"), ("tall.webp", "testsrc2=size=180x400"),
            ("mandel.bmp", "mandelbrot=size=300x300"), ("bars.gif", "smptebars=size=256x192"),
        })
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", source, "-frames:v", "1", Path.Combine(Made, name));
            stills.Add(name);
        }
        // Stored sideways with EXIF orientation 6, in both formats whose orientation ffmpeg would not apply alike.
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=448x224", "-frames:v", "1", Path.Combine(Made, "stored.jpg"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=448x224", "-frames:v", "1", Path.Combine(Made, "stored.png"));
        File.WriteAllBytes(Path.Combine(Made, "turned.jpg"), TestMedia.JpegWithOrientation(File.ReadAllBytes(Path.Combine(Made, "stored.jpg")), 6));
        File.WriteAllBytes(Path.Combine(Made, "turned.png"), TestMedia.PngWithOrientation(File.ReadAllBytes(Path.Combine(Made, "stored.png")), 6));
        stills.AddRange(["turned.jpg", "turned.png"]);
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:duration=2:rate=10", "-c:v", "ffv1", Path.Combine(Made, "clip.mkv"));

        var (ingest, embedding) = await StartServicesAsync();
        await using var stopIngest = ingest;
        await using var stopEmbedding = embedding;

        foreach (var name in stills.Append("clip.mkv"))
        {
            File.Copy(Path.Combine(Made, name), Path.Combine(Inbox, name));
        }
        var expected = stills.Count + 4;
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage = 'embedded'") >= expected,
            $"{expected} embedded images", ingest, embedding);
        // Once an embedding is cached its crop is no longer needed: Ingest, which wrote it, deletes the file and the row forgets it.
        // The log line follows the commit that clears the column, so it is waited for too.
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.images where clip_crop_uri is not null") == 0
            && ingest.Stdout.Contains("stored crops whose embeddings are cached", StringComparison.Ordinal), "Ingest to release the crops and say so", ingest);
        Assert.Empty(Directory.GetFiles(Path.Combine(Work, "artifacts"), "*.rgb", SearchOption.AllDirectories));
        Assert.Equal(expected, Directory.GetFiles(Path.Combine(Work, "artifacts"), "*.png", SearchOption.AllDirectories).Length);
        Assert.Equal(expected, await Db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 0"));
        Assert.DoesNotContain("missing or malformed", embedding.Stdout + embedding.Stderr, StringComparison.Ordinal);
        // Every image went through CLIP from its stored crop; none was decoded again.
        var batches = System.Text.RegularExpressions.Regex.Matches(embedding.Stdout, @"(\d+) from stored crops, (\d+) decoded");
        Assert.Equal(expected, batches.Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(batches, m => Assert.Equal("0", m.Groups[2].Value));

        // Each still's cached embedding is CLIP's preprocessing of the original file (EXIF applied) through the same model.
        using var tower = new ClipVisionTower(OnnxEnvironment.Shared(),
            Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "models", "clip-vit-base-patch32", "vision_model.onnx"));
        var preprocessor = new ClipImagePreprocessor(new CenterCropDecoder(new ToolRunner(new MediaToolOptions())));
        var originals = await preprocessor.PreprocessAsync(stills.Select(name => Path.Combine(Made, name)).ToList());
        Assert.Equal(stills.Count, originals.Count);
        var reference = tower.Embed(originals.PixelValues, originals.Count);
        for (var i = 0; i < stills.Count; i++)
        {
            var cached = await Db.VectorAsync($"""
                select f.image_embeds from brewclip.image_features f join brewclip.images i on i.id = f.image_id
                join brewclip.media_sources s on s.media_id = i.media_id where s.object_key = '{stills[i]}'
                """);
            var want = reference.ProjectedRow(i).ToArray();
            Assert.Equal(want.Length, cached.Length);
            Assert.True(want.Zip(cached, (a, b) => Math.Abs(a - b)).Max() < 1e-4f, $"{stills[i]}: the service's embedding differs from the original's");
        }
    }

    [Fact]
    public async Task New_content_at_a_path_retires_the_old_content_which_keeps_its_source_and_comes_back_when_seen_again()
    {
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64", "-frames:v", "1", Path.Combine(Made, "first.png"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "mandelbrot=size=96x64", "-frames:v", "1", Path.Combine(Made, "second.png"));
        var (ingest, embedding) = await StartServicesAsync();
        await using var stopIngest = ingest;
        await using var stopEmbedding = embedding;

        Task WaitFor(string sql, long expected, string what)
            => Eventually.UntilAsync(async () => await Db.ScalarAsync<long>(sql) == expected, what, ingest, embedding);
        const string vectorsOfMedia = "select count(*) from brewclip.image_vectors v join brewclip.images i on i.id = v.image_id where i.media_id = ";
        const string orphans = """
            select count(*) from brewclip.media m
            where not exists (select 1 from brewclip.media_sources s where s.media_id = m.id)
              and not exists (select 1 from brewclip.media_former_sources f where f.media_id = m.id)
            """;

        // The first content at photo.png is indexed...
        File.Copy(Path.Combine(Made, "first.png"), Path.Combine(Inbox, "photo.png"));
        await WaitFor("select count(*) from brewclip.image_vectors", 1, "the first content's vector");
        var first = await Db.ScalarAsync<long>("select media_id from brewclip.media_sources where object_key = 'photo.png'");

        // ...then the file is written again with other content: the new content takes the place and the index.
        File.Copy(Path.Combine(Made, "second.png"), Path.Combine(Inbox, "photo.png"), overwrite: true);
        await WaitFor("select count(*) from brewclip.media", 2, "the second content");
        var second = await Db.ScalarAsync<long>("select media_id from brewclip.media_sources where object_key = 'photo.png'");
        Assert.NotEqual(first, second);
        await WaitFor(vectorsOfMedia + second, 1, "the second content's vector");
        Assert.Equal("replaced", await Db.ScalarAsync<string>($"select status from brewclip.media where id = {first}"));
        Assert.Equal(0L, await Db.ScalarAsync<long>(vectorsOfMedia + first));
        Assert.Equal($"inbox:photo.png:{second}", await Db.ScalarAsync<string>(
            $"select source_name || ':' || object_key || ':' || replaced_by from brewclip.media_former_sources where media_id = {first}"));
        Assert.Equal(0L, await Db.ScalarAsync<long>(orphans));
        // The searches find only the new content.
        var query = await Db.VectorAsync($"select embedding::vector from brewclip.image_vectors v join brewclip.images i on i.id = v.image_id where i.media_id = {second}");
        Assert.Equal([second], await Db.ColumnAsync<long>(
            $"select media_id from brewclip.search_images('[{string.Join(',', query.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]'::vector, 10)"));

        // The old content seen again elsewhere is accepted again and embedded again.
        File.Copy(Path.Combine(Made, "first.png"), Path.Combine(Inbox, "restored.png"));
        await WaitFor(vectorsOfMedia + first, 1, "the first content's vector again");
        Assert.Equal("accepted", await Db.ScalarAsync<string>($"select status from brewclip.media where id = {first}"));
        Assert.Equal(0L, await Db.ScalarAsync<long>(orphans));
    }

    /// <summary>Ingest on this test's folder and ImageEmbedding, both ready.</summary>
    private async Task<(ServiceProcess Ingest, ServiceProcess Embedding)> StartServicesAsync()
    {
        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        settings["BREWCLIP__Ingest__StableForMs"] = "500";
        settings["BREWCLIP__Ingest__CropReleaseIntervalSeconds"] = "1";
        var ingest = ServiceProcess.Start("BrewClip.Ingest", settings);
        Assert.True(await ingest.WaitForReadyAsync(port) is not null, ingest.ToString());
        var embedPort = ServiceProcess.FreePort();
        var embedSettings = new Dictionary<string, string>(settings) { ["BREWCLIP__Service__HealthUrl"] = $"http://127.0.0.1:{embedPort}" };
        embedSettings["BREWCLIP__ImageEmbedding__BatchWaitMs"] = "300";
        var embedding = ServiceProcess.Start("BrewClip.ImageEmbedding", embedSettings);
        Assert.True(await embedding.WaitForReadyAsync(embedPort) is not null, embedding.ToString());
        return (ingest, embedding);
    }
}
