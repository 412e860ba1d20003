using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;
using NpgsqlTypes;

namespace BrewClip.Benchmarks;

/// <summary>
/// The SQL image search at scale: N image vectors (1M; 100k with --quick) with the structure embeddings have
/// (clusters of clusters in a cone, not uniform noise, which is HNSW's worst case) loaded into a scratch database, one HNSW
/// index built as a version's is (timed, with maintenance_work_mem raised for the build), then top-10 queries
/// (fresh members of random fine clusters) through brewclip.search_images at several ef_search values: p50 and p95
/// latency, and recall@10 against an exact ranking of the same fp16 vectors computed here. The raw baseline in the
/// same run is the bare pgvector query (ORDER BY distance LIMIT 10 on the partial index, same ef_search and
/// iterative scan), so the ratio is what the function adds (the media join, the file's place, the checks).
/// </summary>
internal static class SearchBenchmark
{
    private const int Dimensions = 512;
    private const int FinePerCoarse = 20;
    private const int MembersPerFine = 50;

    public static async Task RunAsync(bool quick, string[] args)
    {
        var count = quick ? 100_000 : 1_000_000;
        var queries = quick ? 100 : 200;
        var m = IntArgument(args, "--m", 32);
        var efConstruction = IntArgument(args, "--ef-construction", 200);
        await using var database = await TestDatabase.CreateAsync();
        var clock = Stopwatch.StartNew();
        var (vectors, queryVectors) = Generate(count, queries, seed: 11);
        var generated = clock.Elapsed;
        clock.Restart();
        var ids = await LoadAsync(database, vectors);
        var loaded = clock.Elapsed;
        clock.Restart();
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await using var build = new NpgsqlCommand($"""
                set maintenance_work_mem = '4GB';
                set max_parallel_maintenance_workers = 2;
                create index image_vectors_hnsw_v0 on brewclip.image_vectors using hnsw (embedding halfvec_cosine_ops)
                    with (m = {m}, ef_construction = {efConstruction}) where model_version = 0;
                analyze brewclip.image_vectors;
                """, connection) { CommandTimeout = 0 };
            await build.ExecuteNonQueryAsync();
        }
        var built = clock.Elapsed;
        Console.WriteLine($"search: {count:N0} halfvec({Dimensions}) image vectors in {count / (FinePerCoarse * MembersPerFine):N0} x {FinePerCoarse} clusters of {MembersPerFine}; " +
            $"generated {generated.TotalSeconds:F0} s, loaded {loaded.TotalSeconds:F0} s, HNSW (m {m}, ef_construction {efConstruction}) built in {built.TotalSeconds:F0} s");

        var exact = Exact(vectors, ids, queryVectors);
        // The ground truth checked against Postgres's own exact ranking (a sequential scan) on a few queries.
        var checkedQueries = queryVectors.Take(10).ToArray();
        var scan = await MeasureAsync(database, checkedQueries, exact.Take(10).ToList(),
            "select image_id from brewclip.image_vectors where model_version = 0 order by embedding <=> $1::halfvec(512) limit 10", "set enable_indexscan = off");
        Console.WriteLine($"  the exact ranking agrees with a sequential scan's on {scan.Recall:P1} of the top 10 ({checkedQueries.Length} queries)");
        Console.WriteLine($"  {queries} queries, top-10; exact ranking computed here. Latency in ms over one connection, after a warm-up pass.");
        Console.WriteLine($"  {"ef_search",9}  {"function p50",12} {"p95",6} {"recall@10",9}   {"raw p50",8} {"p95",6} {"recall@10",9}   {"p95 ratio",9}");
        foreach (var ef in new[] { 40, 100, 200, 300, 400 })
        {
            var function = await MeasureAsync(database, queryVectors, exact,
                $"select image_id from brewclip.search_images($1, 10, ef_search => {ef})", null);
            var raw = await MeasureAsync(database, queryVectors, exact,
                "select image_id from brewclip.image_vectors where model_version = 0 order by embedding <=> $1::halfvec(512) limit 10",
                $"set hnsw.ef_search = {ef}; set hnsw.iterative_scan = relaxed_order");
            Console.WriteLine($"  {ef,9}  {function.P50,12:F2} {function.P95,6:F2} {function.Recall,9:F3}   {raw.P50,8:F2} {raw.P95,6:F2} {raw.Recall,9:F3}   {function.P95 / raw.P95,9:F2}");
        }
        var filtered = await MeasureAsync(database, queryVectors, null,
            "select image_id from brewclip.search_images($1, 10, source => 'tenth')", null);
        Console.WriteLine($"  filtered to one source holding 10% of the images (default ef_search): p50 {filtered.P50:F2} ms, p95 {filtered.P95:F2} ms, {filtered.Returned:F1} hits a query");
    }

    private sealed record Measured(double P50, double P95, double Recall, double Returned);

    private static async Task<Measured> MeasureAsync(TestDatabase database, float[][] queries, List<HashSet<long>>? exact, string sql, string? setup)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        if (setup is not null)
        {
            await using var set = new NpgsqlCommand(setup, connection);
            await set.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter());
        var times = new List<double>();
        double recall = 0, returned = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            for (var q = 0; q < queries.Length; q++)
            {
                command.Parameters[0] = new NpgsqlParameter { Value = VectorValues.ToVector(queries[q]) };
                var clock = Stopwatch.StartNew();
                var ids = new List<long>();
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        ids.Add(reader.GetInt64(0));
                    }
                }
                if (pass == 1)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    returned += ids.Count;
                    recall += exact is null ? 0 : ids.Count(exact[q].Contains) / 10.0;
                }
            }
        }
        times.Sort();
        return new Measured(times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], recall / queries.Length, returned / queries.Length);
    }

    /// <summary>Unit vectors in clusters of clusters, rounded to fp16 as stored, and queries: fresh members of random fine clusters.</summary>
    private static (float[][] Vectors, float[][] Queries) Generate(int count, int queries, int seed)
    {
        var random = new Random(seed);
        var coarseCount = count / (FinePerCoarse * MembersPerFine);
        var fine = new float[coarseCount * FinePerCoarse][];
        // CLIP's embeddings sit in a narrow cone, not all over the sphere: the coarse centres share one direction
        // (normalize(mean + a random unit vector): any two have cosine 0.5).
        var mean = Around(null, 1.0, random);
        for (var c = 0; c < coarseCount; c++)
        {
            var coarse = Around(mean, 1.0, random);
            for (var f = 0; f < FinePerCoarse; f++)
            {
                fine[c * FinePerCoarse + f] = Around(coarse, 0.6, random);
            }
        }
        var vectors = new float[count][];
        Parallel.For(0, fine.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, f =>
        {
            var local = new Random(seed * 7919 + f);
            for (var i = 0; i < MembersPerFine; i++)
            {
                vectors[f * MembersPerFine + i] = Around(fine[f], 0.35, local);
            }
        });
        var query = Enumerable.Range(0, queries).Select(_ => Around(fine[random.Next(fine.Length)], 0.35, random)).ToArray();
        return (vectors, query);
    }

    /// <summary>normalize(center + sigma * g / sqrt(d)) for Gaussian g (a random unit vector when center is null), rounded to fp16.</summary>
    internal static float[] Around(float[]? center, double sigma, Random random)
    {
        var v = new float[Dimensions];
        var scale = (float)(sigma / Math.Sqrt(Dimensions));
        for (var i = 0; i < Dimensions; i++)
        {
            var g = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            v[i] = (center?[i] ?? 0) + (center is null ? g : g * scale);
        }
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        for (var i = 0; i < Dimensions; i++)
        {
            v[i] = (float)(Half)v[i];
        }
        return v;
    }

    /// <summary>Rows for the images (10% of them seen in source "tenth", the rest in "bench") and their vectors; returns the image id of each vector.</summary>
    private static async Task<List<long>> LoadAsync(TestDatabase database, float[][] vectors)
    {
        await ExecuteAsync(database, $"""
            drop index brewclip.image_vectors_hnsw_v0;
            insert into brewclip.sources (name, kind, location) values ('bench', 'folder', '/bench'), ('tenth', 'folder', '/tenth');
            insert into brewclip.media (content_hash, kind, status, size_bytes)
            select sha256(convert_to('bench ' || g, 'UTF8')), 'image', 'accepted', 1000 from generate_series(1, {vectors.Length}) g;
            insert into brewclip.images (media_id, image_uri, stage) select id, 'file:///bench/' || id || '.png', 'embedded' from brewclip.media;
            insert into brewclip.media_sources (source_name, object_key, media_id)
            select case when id % 10 = 0 then 'tenth' else 'bench' end, 'images/' || id || '.png', id from brewclip.media;
            """);
        var ids = await database.ColumnAsync<long>("select id from brewclip.images order by id");
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var importer = await connection.BeginBinaryImportAsync("copy brewclip.image_vectors (model_version, image_id, embedding) from stdin (format binary)"))
        {
            importer.Timeout = TimeSpan.Zero;
            for (var i = 0; i < vectors.Length; i++)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(0, NpgsqlDbType.Integer);
                await importer.WriteAsync(ids[i], NpgsqlDbType.Bigint);
                await importer.WriteAsync(VectorValues.ToHalfVector(vectors[i]));
            }
            await importer.CompleteAsync();
        }
        await ExecuteAsync(database, "analyze brewclip.image_vectors; analyze brewclip.images; analyze brewclip.media; analyze brewclip.media_sources");
        return ids;
    }

    /// <summary>
    /// The exact top-10 image ids of each query by cosine distance over the stored fp16 values, as pgvector computes it
    /// (the rounded vectors' norms differ from 1 by about 1e-4, as much as neighbours' distances differ, so they count).
    /// </summary>
    private static List<HashSet<long>> Exact(float[][] vectors, IReadOnlyList<long> ids, float[][] queries)
    {
        var inverseNorms = vectors.Select(v => 1 / TensorPrimitives.Norm(v)).ToArray();
        var result = new HashSet<long>[queries.Length];
        Parallel.For(0, queries.Length, q =>
        {
            var best = new PriorityQueue<int, float>();
            for (var i = 0; i < vectors.Length; i++)
            {
                var score = TensorPrimitives.Dot(vectors[i], queries[q]) * inverseNorms[i];
                if (best.Count < 10)
                {
                    best.Enqueue(i, score);
                }
                else if (best.TryPeek(out _, out var worst) && score > worst)
                {
                    best.EnqueueDequeue(i, score);
                }
            }
            result[q] = best.UnorderedItems.Select(item => ids[item.Element]).ToHashSet();
        });
        return [.. result];
    }

    /// <summary>SQL without the default 30 s command timeout: loading a million rows takes longer.</summary>
    private static async Task ExecuteAsync(TestDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    private static int IntArgument(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
