using BrewClip.Storage.Migrations;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;

namespace BrewClip.Storage.Tests;

/// <summary>
/// Versions of different widths side by side (ViT-B/32's 512-d and ViT-L/14's 768-d): each holds, indexes and searches
/// its own width, and features of one model never go into a version of another.
/// </summary>
public sealed class VectorWidthTests : IAsyncLifetime
{
    private static readonly int[] SegmentCounts = Enumerable.Range(0, 30).Select(i => 1 + i % 2).ToArray();
    private TestDatabase _db = null!;
    private long[] _imageIds = null!;
    private long[] _recordingIds = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _imageIds = await IndexFixture.AddImagesAsync(_db, 200);
        _recordingIds = await IndexFixture.AddRecordingsAsync(_db, SegmentCounts);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_768_wide_version_is_written_indexed_and_searched_beside_the_512_wide_one()
    {
        var narrow = await IndexFixture.WriteImageVectorsAsync(_db, 0, _imageIds, seed: 1);
        await _db.ExecuteAsync("""
            insert into brewclip.model_versions (version, status, description, clip_model, whisper_model, model_precision, width)
            values (1, 'backfilling', 'a ViT-L/14 base version', 'clip-vit-large-patch14', 'whisper-base', 'fp32', 768)
            """);
        var wide = await IndexFixture.WriteImageVectorsAsync(_db, 1, _imageIds, seed: 2, width: 768);
        var audio = await IndexFixture.WriteAudioVectorsAsync(_db, 1, _recordingIds, SegmentCounts, seed: 3, width: 768);
        await _db.ExecuteAsync("select brewclip.create_vector_indexes(1)");

        foreach (var (version, stored, width) in new[] { (0, narrow, 512), (1, wide, 768) })
        {
            var query = RandomVectors.Unit(1, width, seed: 10 + version)[0];
            var expected = stored.OrderBy(p => RandomVectors.CosineDistance(RandomVectors.RoundToHalf(query), p.Value)).Take(5).Select(p => p.Key);
            Assert.Equal(expected, await IdsAsync("select image_id from brewclip.search_images($1, 5, version => $2)", query, version));
        }
        var audioQuery = RandomVectors.Unit(1, 768, seed: 20)[0];
        var nearest = audio.OrderBy(p => RandomVectors.CosineDistance(RandomVectors.RoundToHalf(audioQuery), p.Value)).First().Key.Item1;
        Assert.Equal(nearest, (await IdsAsync("select recording_id from brewclip.search_audio($1, 3, version => $2)", audioQuery, 1))[0]);

        // The 768-d version's searches can run on its own index, built over its vectors at its width (a table this small
        // is cheaper to scan, so the planner is told not to, which it obeys only when the index matches the search).
        var scans = await IndexScansAsync("image_vectors_hnsw_v1");
        await using (var connection = await _db.DataSource.OpenConnectionAsync())
        {
            await using (var planner = new NpgsqlCommand("set enable_seqscan = off; set enable_bitmapscan = off; set enable_sort = off", connection))
            {
                await planner.ExecuteNonQueryAsync();
            }
            await using var search = new NpgsqlCommand("select count(*) from brewclip.search_images($1, 5, version => 1)", connection);
            search.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(RandomVectors.Unit(1, 768, seed: 30)[0]) });
            await search.ExecuteScalarAsync();
            await using var flush = new NpgsqlCommand("select pg_stat_force_next_flush()", connection);
            await flush.ExecuteScalarAsync();
        }
        await Eventually.UntilAsync(async () => await IndexScansAsync("image_vectors_hnsw_v1") > scans, "the search used image_vectors_hnsw_v1");
    }

    [Fact]
    public async Task A_query_of_another_width_is_refused_naming_both_widths_and_the_model()
    {
        await IndexFixture.WriteImageVectorsAsync(_db, 0, _imageIds, seed: 1);
        foreach (var function in new[] { "search_images", "search_audio" })
        {
            await using var command = _db.DataSource.CreateCommand($"select count(*) from brewclip.{function}($1, 5)");
            command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(RandomVectors.Unit(1, 768, seed: 4)[0]) });
            var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
            Assert.Equal("22023", e.SqlState);
            Assert.Equal("the query vector has 768 numbers, but model version 0 holds 512-number vectors (clip-vit-base-patch32); " +
                "embed the query with that version's model", e.MessageText);
        }
    }

    [Fact]
    public async Task Vectors_of_another_models_width_are_refused_and_nothing_is_written()
    {
        var e = await Assert.ThrowsAsync<VectorWidthMismatchException>(() => IndexFixture.WriteImageVectorsAsync(_db, 0, _imageIds, seed: 1, width: 768));
        Assert.Contains("Vectors of 768 numbers cannot go into model version 0, which holds 512-number vectors made with clip-vit-base-patch32", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<VectorWidthMismatchException>(() => IndexFixture.WriteAudioVectorsAsync(_db, 0, _recordingIds, SegmentCounts, seed: 2, width: 768));
        Assert.Equal(0L, await _db.ScalarAsync<long>("select (select count(*) from brewclip.image_vectors) + (select count(*) from brewclip.audio_vectors)"));
    }

    [Fact]
    public async Task A_version_registered_without_models_keeps_the_active_versions()
    {
        await _db.ExecuteAsync("update brewclip.model_versions set clip_model = 'clip-vit-large-patch14', width = 768, model_precision = 'int8' where version = 0");
        await _db.ExecuteAsync("insert into brewclip.model_versions (version, status, description) values (1, 'candidate', 'trained heads')");
        Assert.Equal("clip-vit-large-patch14 whisper-base int8 768", await _db.ScalarAsync<string>(
            "select concat_ws(' ', clip_model, whisper_model, model_precision, width) from brewclip.model_versions where version = 1"));
    }

    [Fact]
    public async Task An_index_upgraded_from_schema_16_keeps_its_vectors_and_searches_them_at_512()
    {
        await using var fresh = await TestDatabase.CreateAsync(migrate: false);
        await new SchemaMigrator(fresh.DataSource, MigrationCatalog.Embedded.Where(m => m.Version <= 16).ToList()).MigrateAsync();
        var images = await IndexFixture.AddImagesAsync(fresh, 50);
        var vectors = RandomVectors.Unit(images.Length, 512, seed: 5);
        foreach (var (id, vector) in images.Zip(vectors))
        {
            // As schema 16 held them (the writer of today checks widths schema 16 does not record).
            await using var insert = fresh.DataSource.CreateCommand("insert into brewclip.image_vectors (model_version, image_id, embedding) values (0, $1, $2::vector::halfvec(512))");
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(vector) });
            await insert.ExecuteNonQueryAsync();
        }
        await new SchemaMigrator(fresh.DataSource, MigrationCatalog.Embedded).MigrateAsync();

        Assert.Equal("clip-vit-base-patch32 whisper-base fp32 512", await fresh.ScalarAsync<string>(
            "select concat_ws(' ', clip_model, whisper_model, model_precision, width) from brewclip.model_versions where version = 0"));
        Assert.Equal(50L, await fresh.ScalarAsync<long>("select count(*) from brewclip.image_vectors"));
        Assert.Equal(1L, await fresh.ScalarAsync<long>(
            "select count(*) from pg_indexes where indexname = 'image_vectors_hnsw_v0' and indexdef like '%(embedding)::halfvec(512)%'"));
        var query = vectors[7];
        await using var command = fresh.DataSource.CreateCommand("select image_id from brewclip.search_images($1, 1)");
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        Assert.Equal(images[7], (long)(await command.ExecuteScalarAsync())!);
    }

    private async Task<List<long>> IdsAsync(string sql, float[] query, int version)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    private Task<long> IndexScansAsync(string index) =>
        _db.ScalarAsync<long>($"select coalesce(sum(idx_scan), 0)::bigint from pg_stat_user_indexes where indexrelname = '{index}'");
}
