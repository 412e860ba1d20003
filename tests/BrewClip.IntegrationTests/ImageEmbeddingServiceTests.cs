using System.Diagnostics;
using BrewClip.Autograd;
using BrewClip.Autograd.Safetensors;
using BrewClip.Contracts;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;

namespace BrewClip.IntegrationTests;

/// <summary>Images published as ImageIngested through the real RabbitMQ become vectors in pgvector via the real service.</summary>
public sealed class ImageEmbeddingServiceTests : IAsyncLifetime
{
    private static readonly string[] Colours = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple", "cyan", "gray"];
    private static readonly string[] Formats = ["png", "jpg", "webp", "bmp", "gif"];
    private readonly string _folder = Directory.CreateTempSubdirectory("brewclip-embed-").FullName;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Fifty_images_become_48_vectors_and_2_failures_and_redelivery_changes_nothing()
    {
        var files = MakeImages();
        var ids = await RegisterAsync(files);
        var port = ServiceProcess.FreePort();
        var settings = StackSettings.For(_db, port);
        settings["BREWCLIP__ImageEmbedding__BatchSize"] = "16";
        settings["BREWCLIP__ImageEmbedding__BatchWaitMs"] = "300";
        await using var service = ServiceProcess.Start("BrewClip.ImageEmbedding", settings);
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        await using var publisher = await TestPublisher.StartAsync(settings);

        foreach (var id in ids)
        {
            await publisher.Bus.Publish(new ImageIngested(id));
        }
        await Eventually.UntilAsync(async () => await _db.ScalarAsync<long>("select count(*) from brewclip.images where stage in ('embedded', 'failed')") == 50,
            "all 50 images to be embedded or failed", service);

        Assert.Equal(48L, await _db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 0"));
        Assert.Equal(48L, await _db.ScalarAsync<long>("select count(*) from brewclip.image_features"));
        var failed = await RowsAsync("select image_uri, failure_reason from brewclip.images where stage = 'failed' order by image_uri");
        Assert.Equal([Path.Combine(_folder, "corrupt.jpg"), Path.Combine(_folder, "truncated.png")], failed.Select(r => new Uri(r[0]).LocalPath));
        Assert.All(failed, r => Assert.StartsWith("not a readable image", r[1], StringComparison.Ordinal));

        // A second delivery of every message: no row is rewritten, no stage changes.
        var before = await SnapshotAsync();
        foreach (var id in ids)
        {
            await publisher.Bus.Publish(new ImageIngested(id));
        }
        // Every delivery handled (the service counts them): nothing can change after this.
        await Settling.FlowAsync("the redelivered messages to be handled", [service], [publisher.Counts]);
        Assert.Equal(before, await SnapshotAsync());

        // An image's own vector finds that image first.
        var probe = ids[7];
        var vector = await _db.VectorAsync($"select embedding from brewclip.image_vectors where image_id = {probe}");
        await using var search = _db.DataSource.CreateCommand("select image_id from brewclip.search_images($1, 3)");
        search.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(vector) });
        Assert.Equal(probe, (long)(await search.ExecuteScalarAsync())!);

        // The EXIF-rotated JPEG was embedded upright: it matches its unrotated twin, not its stored layout.
        var rotated = await _db.VectorAsync($"select image_embeds from brewclip.image_features f join brewclip.images i on i.id = f.image_id where i.image_uri like '%rotated.jpg'");
        var upright = await _db.VectorAsync($"select image_embeds from brewclip.image_features f join brewclip.images i on i.id = f.image_id where i.image_uri like '%upright.jpg'");
        var stored = await _db.VectorAsync($"select image_embeds from brewclip.image_features f join brewclip.images i on i.id = f.image_id where i.image_uri like '%stored.jpg'");
        Assert.True(Cosine(rotated, upright) > Cosine(rotated, stored), $"rotated~upright {Cosine(rotated, upright)}, rotated~stored {Cosine(rotated, stored)}");

        // Promotion: every image is re-embedded with the new head from the cached embeddings.
        var headFolder = Directory.CreateDirectory(Path.Combine(_folder, "v1")).FullName;
        var bias = new float[512];
        bias[3] = 5f;
        SafetensorsFile.Write(Path.Combine(headFolder, "image_head.safetensors"),
            [new("adapter.weight", Tensor.Zeros(512, 512)), new("adapter.bias", Tensor.FromArray(bias, 512))]);
        await _db.ExecuteAsync($"insert into brewclip.model_versions (version, status, description, artifact_uri) values (1, 'backfilling', 'test head', '{new Uri(headFolder).AbsoluteUri}')");
        await publisher.Bus.Publish(new ModelPromoted(1));
        await Eventually.UntilAsync(async () => await _db.ScalarAsync<bool>("select coalesce((select finished_at is not null from brewclip.backfills where model_version = 1 and kind = 'image'), false)"),
            "the re-embedding to finish", service);
        Assert.Equal(48L, await _db.ScalarAsync<long>("select done from brewclip.backfills where model_version = 1 and kind = 'image'"));
        Assert.Equal(48L, await _db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));
        var feature = await _db.VectorAsync($"select image_embeds from brewclip.image_features where image_id = {probe}");
        var expected = feature.Select((v, i) => v + bias[i]).ToArray();
        var norm = MathF.Sqrt(expected.Sum(v => v * v));
        var v1 = await _db.VectorAsync($"select embedding from brewclip.image_vectors where model_version = 1 and image_id = {probe}");
        for (var i = 0; i < 512; i++)
        {
            Assert.Equal(expected[i] / norm, v1[i], 2);
        }

        service.Terminate();
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(45)), service.ToString());
    }

    private List<string> MakeImages()
    {
        var jobs = new List<(string Name, string[] Arguments)>();
        for (var i = 0; i < 45; i++)
        {
            var colour = Colours[i % Colours.Length];
            var format = Formats[i % Formats.Length];
            var (w, h) = (i % 3) switch { 0 => (320, 240), 1 => (200, 400), _ => (640, 360) };
            var shape = (i / 10) switch
            {
                0 => "null",
                1 => $"drawbox=x=20:y=20:w={w / 3}:h={h / 3}:color=white:t=fill",
                2 => $"drawbox=x={w / 2}:y={h / 3}:w={w / 4}:h={h / 2}:color=black:t=fill",
                3 => "drawgrid=w=40:h=40:t=4:c=white",
                _ => $"drawbox=x=0:y=0:w={w}:h={h / 2}:color=blue:t=fill",
            };
            jobs.Add(($"image{i:D2}.{format}", ["-f", "lavfi", "-i", $"color=c={colour}:s={w}x{h}", "-vf", shape, "-frames:v", "1"]));
        }
        // A landscape picture, its upright (rotated) form, and the same stored pixels with EXIF orientation 6.
        jobs.Add(("stored.jpg", ["-f", "lavfi", "-i", "testsrc2=size=448x224", "-frames:v", "1"]));
        jobs.Add(("upright.jpg", ["-f", "lavfi", "-i", "testsrc2=size=448x224", "-vf", "transpose=clock", "-frames:v", "1"]));
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = 2 }, job => Ffmpeg([.. job.Arguments, Path.Combine(_folder, job.Name)]));

        var storedBytes = File.ReadAllBytes(Path.Combine(_folder, "stored.jpg"));
        File.WriteAllBytes(Path.Combine(_folder, "rotated.jpg"), TestMedia.JpegWithOrientation(storedBytes, 6));
        File.WriteAllBytes(Path.Combine(_folder, "corrupt.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, .. new byte[200].Select((_, i) => (byte)(i * 37))]);
        File.WriteAllBytes(Path.Combine(_folder, "truncated.png"), File.ReadAllBytes(Path.Combine(_folder, "image00.png"))[..60]);

        var files = jobs.Select(j => Path.Combine(_folder, j.Name)).ToList();
        files.AddRange([Path.Combine(_folder, "rotated.jpg"), Path.Combine(_folder, "corrupt.jpg"), Path.Combine(_folder, "truncated.png")]);
        Assert.Equal(50, files.Count);
        return files;
    }

    private async Task<List<long>> RegisterAsync(List<string> files)
    {
        var ids = new List<long>();
        for (var i = 0; i < files.Count; i++)
        {
            await using var command = _db.DataSource.CreateCommand("""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values (sha256($1), 'image', 'accepted', $2) returning id)
                insert into brewclip.images (media_id, image_uri) select id, $3 from m returning id
                """);
            command.Parameters.Add(new() { Value = System.Text.Encoding.UTF8.GetBytes(files[i]) });
            command.Parameters.Add(new() { Value = new FileInfo(files[i]).Length });
            command.Parameters.Add(new() { Value = new Uri(files[i]).AbsoluteUri });
            ids.Add((long)(await command.ExecuteScalarAsync())!);
        }
        return ids;
    }

    private async Task<string> SnapshotAsync()
    {
        var vectors = await _db.ScalarAsync<string>("select string_agg(xmin::text || ':' || image_id, ',' order by model_version, image_id) from brewclip.image_vectors");
        var features = await _db.ScalarAsync<string>("select string_agg(xmin::text, ',' order by image_id) from brewclip.image_features");
        var stages = await _db.ScalarAsync<string>("select string_agg(id || stage || stage_changed_at::text || coalesce(failure_reason, ''), ',' order by id) from brewclip.images");
        return $"{vectors}|{features}|{stages}";
    }

    private async Task<List<string[]>> RowsAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString()!).ToArray());
        }
        return rows;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    private static void Ffmpeg(string[] arguments) => TestMedia.Ffmpeg(arguments);
}
