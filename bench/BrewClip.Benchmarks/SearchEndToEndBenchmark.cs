using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using BrewClip.Hosting;
using BrewClip.Models.Clip;
using BrewClip.Onnx;
using BrewClip.Search;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;
using NpgsqlTypes;

namespace BrewClip.Benchmarks;

/// <summary>
/// A text query end to end: HTTP in, JSON out, through the Search service (in this process, on a ViT-B/32-shaped CLIP
/// text tower with random weights) over a scratch database of 100k image vectors and 100k audio segment vectors
/// (50k recordings of two 30 s windows, with transcripts, so the hybrid text ranking has work). Reports the client's
/// p50/p95 and the server's split into embedding, SQL and the rest; the raw baseline in the same run is the text
/// tower's ONNX run alone plus the two bare pgvector top-10 queries.
/// </summary>
internal static class SearchEndToEndBenchmark
{
    private static readonly string[] Vocabulary = MakeVocabulary();

    public static async Task RunAsync(bool quick)
    {
        var clip = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "models", "clip-vit-b32-random");
        clip = Path.GetFullPath(File.Exists(Path.Combine(clip, "text_model.onnx")) ? clip : Path.Combine(TestSettings.RepositoryRoot, "bench", "models", "clip-vit-b32-random"));
        if (!File.Exists(Path.Combine(clip, "text_model.onnx")))
        {
            Console.WriteLine($"search-e2e: skipped; it needs {clip} (/usr/bin/python3 tests/fixtures/make_clip_fixtures.py --full bench/models/clip-vit-b32-random)");
            return;
        }
        var images = quick ? 20_000 : 100_000;
        var recordings = images / 2;
        var queries = quick ? 50 : 200;
        await using var database = await TestDatabase.CreateAsync();
        var store = Directory.CreateTempSubdirectory("brewclip-search-bench-").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(store, "clip-vit-base-patch32"), clip);
            await SeedAsync(database, images, recordings);
            var port = FreePort();
            var rabbit = TestSettings.RabbitMq;
            string[] args =
            [
                $"--Postgres:ConnectionString={database.ConnectionString}",
                $"--RabbitMq:Host={rabbit.Host}", $"--RabbitMq:Port={rabbit.Port}", $"--RabbitMq:VirtualHost={rabbit.VirtualHost}",
                $"--RabbitMq:Username={rabbit.Username}", $"--RabbitMq:Password={rabbit.Password}",
                $"--RabbitMq:QueuePrefix=bench{Guid.NewGuid():N}"[..40] + "-",
                $"--Service:HealthUrl=http://127.0.0.1:{port}", $"--Models:Root={store}", "--Search:LoadModelsAtStart=false",
                "--Logging:LogLevel:Default=Warning",
                // Queries back to back as fast as they are answered: what is measured is the latency, not the rate limit.
                "--Search:RateLimit:PermitsPerMinute=0",
            ];
            await using var app = BrewClipService.Build(args, "brewclip-search", builder => builder.AddSearchServices(), bus => bus.AddSearchConsumers(), app => app.MapSearch());
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var random = new Random(5);
            var texts = Enumerable.Range(0, queries).Select(_ => string.Join(' ', Enumerable.Range(0, 3).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]))).ToList();
            for (var i = 0; i < 5; i++)
            {
                await GetAsync(http, texts[i]);
            }
            var client = new List<double>();
            var (embed, sql, rest) = (new List<double>(), new List<double>(), new List<double>());
            foreach (var text in texts)
            {
                var clock = Stopwatch.StartNew();
                var timings = await GetAsync(http, text);
                var total = clock.Elapsed.TotalMilliseconds;
                client.Add(total);
                embed.Add(timings.GetProperty("embedMs").GetDouble());
                sql.Add(timings.GetProperty("sqlMs").GetDouble());
                rest.Add(total - timings.GetProperty("embedMs").GetDouble() - timings.GetProperty("sqlMs").GetDouble());
            }
            await app.StopAsync();

            // Raw: the text tower's ONNX run on one text, and the two bare top-10 queries, in the same run.
            var files = new BrewClip.Models.ModelStore(store).ClipText();
            using var tower = new ClipTextTower(OnnxEnvironment.Shared(), files.TextModel, ClipTokenizer.FromFiles(files.Vocabulary, files.Merges));
            var rawEmbed = new List<double>();
            var rawSql = new List<double>();
            await using var connection = await database.DataSource.OpenConnectionAsync();
            await using (var set = new NpgsqlCommand("set hnsw.ef_search = 100; set hnsw.iterative_scan = relaxed_order", connection))
            {
                await set.ExecuteNonQueryAsync();
            }
            foreach (var text in texts)
            {
                var clock = Stopwatch.StartNew();
                var vector = tower.Encode([text]).Embeddings.Row(0);
                rawEmbed.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                foreach (var table in new[] { "image_vectors", "audio_vectors" })
                {
                    await using var command = new NpgsqlCommand($"select 1 from brewclip.{table} where model_version = 0 order by embedding <=> $1::halfvec(512) limit 10", connection);
                    command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(vector) });
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                    }
                }
                rawSql.Add(clock.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"search-e2e: {images:N0} image vectors, {recordings * 2:N0} audio segment vectors ({recordings:N0} recordings with transcripts); " +
                $"{queries} three-word text queries, kind=all, k=10, over HTTP; ms");
            Console.WriteLine($"  {"",22} {"p50",7} {"p95",7}");
            Console.WriteLine($"  {"end to end (client)",22} {P(client, 50),7:F1} {P(client, 95),7:F1}");
            Console.WriteLine($"  {"  embed (server)",22} {P(embed, 50),7:F1} {P(embed, 95),7:F1}");
            Console.WriteLine($"  {"  SQL (server)",22} {P(sql, 50),7:F1} {P(sql, 95),7:F1}");
            Console.WriteLine($"  {"  the rest",22} {P(rest, 50),7:F1} {P(rest, 95),7:F1}");
            Console.WriteLine($"  {"raw text tower",22} {P(rawEmbed, 50),7:F1} {P(rawEmbed, 95),7:F1}");
            Console.WriteLine($"  {"raw two top-10 scans",22} {P(rawSql, 50),7:F1} {P(rawSql, 95),7:F1}");
            Console.WriteLine($"  ratio end to end / raw (p50) {P(client, 50) / (P(rawEmbed, 50) + P(rawSql, 50)):F2}");
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string text)
    {
        using var response = await http.GetAsync($"/api/search?q={Uri.EscapeDataString(text)}&kind=all&k=10");
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} {body}");
        }
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("timings").Clone();
    }

    private static async Task SeedAsync(TestDatabase database, int images, int recordings)
    {
        var random = new Random(3);
        var centers = Enumerable.Range(0, 200).Select(_ => SearchBenchmark.Around(null, 1.0, random)).ToArray();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var seed = new NpgsqlCommand($"""
            drop index brewclip.image_vectors_hnsw_v0;
            drop index brewclip.audio_vectors_hnsw_v0;
            insert into brewclip.sources (name, kind, location) values ('bench', 'folder', '/bench');
            insert into brewclip.media (content_hash, kind, status, size_bytes)
            select sha256(convert_to('bench ' || g, 'UTF8')), case when g <= {images} then 'image' else 'audio' end, 'accepted', 1000
            from generate_series(1, {images + recordings}) g;
            insert into brewclip.media_sources (source_name, object_key, media_id) select 'bench', 'files/' || id, id from brewclip.media;
            insert into brewclip.images (media_id, image_uri, stage) select id, 'file:///bench/' || id || '.png', 'embedded' from brewclip.media where kind = 'image';
            insert into brewclip.recordings (media_id, pcm_uri, duration_seconds, stage) select id, 'file:///bench/' || id || '.wav', 60, 'embedded' from brewclip.media where kind = 'audio';
            insert into brewclip.recording_segments (recording_id, segment_index, start_seconds, end_seconds)
            select r.id, s, s * 30, s * 30 + 30 from brewclip.recordings r, generate_series(0, 1) s;
            """, connection) { CommandTimeout = 0 })
        {
            await seed.ExecuteNonQueryAsync();
        }
        var imageIds = await IdsAsync(connection, "select id from brewclip.images order by id");
        var recordingIds = await IdsAsync(connection, "select id from brewclip.recordings order by id");
        await using (var importer = await connection.BeginBinaryImportAsync("copy brewclip.image_vectors (model_version, image_id, embedding) from stdin (format binary)"))
        {
            importer.Timeout = TimeSpan.Zero;
            foreach (var id in imageIds)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(0, NpgsqlDbType.Integer);
                await importer.WriteAsync(id, NpgsqlDbType.Bigint);
                await importer.WriteAsync(VectorValues.ToHalfVector(SearchBenchmark.Around(centers[random.Next(centers.Length)], 0.6, random)));
            }
            await importer.CompleteAsync();
        }
        await using (var importer = await connection.BeginBinaryImportAsync("copy brewclip.audio_vectors (model_version, recording_id, segment_index, embedding) from stdin (format binary)"))
        {
            importer.Timeout = TimeSpan.Zero;
            foreach (var id in recordingIds)
            {
                for (var segment = 0; segment < 2; segment++)
                {
                    await importer.StartRowAsync();
                    await importer.WriteAsync(0, NpgsqlDbType.Integer);
                    await importer.WriteAsync(id, NpgsqlDbType.Bigint);
                    await importer.WriteAsync(segment, NpgsqlDbType.Integer);
                    await importer.WriteAsync(VectorValues.ToHalfVector(SearchBenchmark.Around(centers[random.Next(centers.Length)], 0.6, random)));
                }
            }
            await importer.CompleteAsync();
        }
        await using (var importer = await connection.BeginBinaryImportAsync("copy brewclip.transcripts (recording_id, source, text) from stdin (format binary)"))
        {
            importer.Timeout = TimeSpan.Zero;
            foreach (var id in recordingIds)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(id, NpgsqlDbType.Bigint);
                await importer.WriteAsync("whisper", NpgsqlDbType.Text);
                await importer.WriteAsync(string.Join(' ', Enumerable.Range(0, 40).Select(_ => Vocabulary[random.Next(Vocabulary.Length)])), NpgsqlDbType.Text);
            }
            await importer.CompleteAsync();
        }
        await using var index = new NpgsqlCommand("""
            update brewclip.recording_segments s set text = t.text from brewclip.transcripts t where t.recording_id = s.recording_id;
            set maintenance_work_mem = '2GB';
            select brewclip.create_vector_indexes(0);
            analyze;
            """, connection) { CommandTimeout = 0 };
        await index.ExecuteNonQueryAsync();
    }

    private static async Task<List<long>> IdsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    /// <summary>2,000 made-up words, so transcripts and queries share words as real ones do.</summary>
    private static string[] MakeVocabulary()
    {
        var random = new Random(9);
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        return Enumerable.Range(0, 2000).Select(_ => new string(Enumerable.Range(0, random.Next(3, 9)).Select(_ => letters[random.Next(letters.Length)]).ToArray())).Distinct().ToArray();
    }

    private static double P(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * percentile / 100.0) - 1)];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
