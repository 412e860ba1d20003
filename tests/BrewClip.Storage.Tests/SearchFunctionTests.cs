using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;

namespace BrewClip.Storage.Tests;

/// <summary>The SQL search functions against a brute-force ranking of the same stored (fp16) vectors.</summary>
public sealed class SearchFunctionTests : IAsyncLifetime
{
    private static readonly int[] SegmentCounts = Enumerable.Range(0, 60).Select(i => 1 + i % 3).ToArray();
    private TestDatabase _db = null!;
    private long[] _imageIds = null!;
    private long[] _recordingIds = null!;
    private Dictionary<long, float[]> _images = null!;
    private Dictionary<(long Recording, int Segment), float[]> _segments = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _imageIds = await IndexFixture.AddImagesAsync(_db, 300);
        _recordingIds = await IndexFixture.AddRecordingsAsync(_db, SegmentCounts);
        _images = await IndexFixture.WriteImageVectorsAsync(_db, 0, _imageIds, seed: 1);
        _segments = await IndexFixture.WriteAudioVectorsAsync(_db, 0, _recordingIds, SegmentCounts, seed: 2);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Search_images_returns_the_nearest_images_in_order()
    {
        foreach (var query in RandomVectors.Unit(5, 512, seed: 3))
        {
            var expected = _images.OrderBy(p => Distance(query, p.Value)).Take(10).Select(p => p.Key).ToList();
            var rows = await QueryAsync("select image_id, distance from brewclip.search_images($1, 10)", query);
            Assert.Equal(expected, rows.Select(r => r.Id));
            Assert.All(rows, r => Assert.Equal(Distance(query, _images[r.Id]), r.Distance, 3));
        }
    }

    [Fact]
    public async Task Search_images_with_an_images_own_vector_finds_it_first()
    {
        var id = _imageIds[42];
        var rows = await QueryAsync("select image_id, distance from brewclip.search_images($1, 3)", _images[id]);
        Assert.Equal(id, rows[0].Id);
        Assert.Equal(0, rows[0].Distance, 5);
    }

    [Theory]
    [InlineData("search_images")]
    [InlineData("search_audio")]
    public async Task An_all_zero_query_vector_is_refused_with_a_reason(string function)
    {
        await using var command = _db.DataSource.CreateCommand($"select count(*) from brewclip.{function}($1, 10)");
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(new float[512]) });
        var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        Assert.Equal("22023", e.SqlState);
        Assert.Contains("the query vector is all zeros", e.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_audio_returns_the_nearest_segments_in_order()
    {
        foreach (var query in RandomVectors.Unit(5, 512, seed: 4))
        {
            var expected = _segments.OrderBy(p => Distance(query, p.Value)).Take(10).Select(p => p.Key).ToList();
            var actual = new List<(long, int)>();
            await using var command = _db.DataSource.CreateCommand("select recording_id, segment_index, start_seconds from brewclip.search_audio($1, 10)");
            command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                actual.Add((reader.GetInt64(0), reader.GetInt32(1)));
                Assert.Equal(reader.GetInt32(1) * 30.0, reader.GetDouble(2));
            }
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public async Task Images_for_recording_ranks_images_by_their_best_segment()
    {
        foreach (var recording in _recordingIds.Where((_, i) => SegmentCounts[i] == 3).Take(3))
        {
            var segments = _segments.Where(p => p.Key.Recording == recording).Select(p => p.Value).ToList();
            var expected = _images.OrderBy(p => segments.Min(s => Distance(s, p.Value))).Take(8).Select(p => p.Key).ToList();
            var rows = await QueryAsync($"select image_id, distance from brewclip.images_for_recording({recording}, 8)");
            Assert.Equal(expected, rows.Select(r => r.Id));
        }
    }

    [Fact]
    public async Task Recordings_for_image_ranks_recordings_by_their_best_segment()
    {
        foreach (var image in _imageIds.Take(4))
        {
            var expected = _segments.GroupBy(p => p.Key.Recording)
                .OrderBy(g => g.Min(p => Distance(_images[image], p.Value)))
                .Take(8).Select(g => g.Key).ToList();
            var rows = await QueryAsync($"select recording_id, distance from brewclip.recordings_for_image({image}, 8)");
            Assert.Equal(expected, rows.Select(r => r.Id));
        }
    }

    [Fact]
    public async Task Searches_follow_the_active_model_version()
    {
        await ExecuteAsync("insert into brewclip.model_versions (version, status, description) values (1, 'backfilling', 'test candidate')");
        var v1 = await IndexFixture.WriteImageVectorsAsync(_db, 1, _imageIds, seed: 99);
        await ExecuteAsync("select brewclip.create_vector_indexes(1)");
        var query = RandomVectors.Unit(1, 512, seed: 5)[0];

        var beforeFlip = await QueryAsync("select image_id, distance from brewclip.search_images($1, 5)", query);
        Assert.Equal(_images.OrderBy(p => Distance(query, p.Value)).Take(5).Select(p => p.Key), beforeFlip.Select(r => r.Id));

        await ExecuteAsync("""
            update brewclip.model_versions set status = 'retired' where version = 0;
            update brewclip.model_versions set status = 'active', activated_at = now() where version = 1;
            """);
        var afterFlip = await QueryAsync("select image_id, distance from brewclip.search_images($1, 5)", query);
        Assert.Equal(v1.OrderBy(p => Distance(query, p.Value)).Take(5).Select(p => p.Key), afterFlip.Select(r => r.Id));
    }

    [Fact]
    public async Task Each_model_version_has_its_own_hnsw_indexes()
    {
        await using var command = _db.DataSource.CreateCommand(
            "select indexname from pg_indexes where schemaname = 'brewclip' and indexdef like '%hnsw%' order by 1");
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        Assert.Equal(["audio_vectors_hnsw_v0", "image_vectors_hnsw_v0"], names);
    }

    [Fact]
    public async Task Only_one_model_version_can_be_active()
    {
        await ExecuteAsync("insert into brewclip.model_versions (version, status, description) values (2, 'candidate', 'x')");
        var e = await Assert.ThrowsAsync<PostgresException>(
            () => ExecuteAsync("update brewclip.model_versions set status = 'active' where version = 2"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, e.SqlState);
    }

    [Fact]
    public async Task Search_transcripts_finds_words_in_transcripts()
    {
        await IndexFixture.AddTranscriptAsync(_db, _recordingIds[0], "A brown dog runs across the green grass.");
        await IndexFixture.AddTranscriptAsync(_db, _recordingIds[1], "Two cats sleep on a warm windowsill.");
        await IndexFixture.AddTranscriptAsync(_db, _recordingIds[2], "The dog sleeps.");

        var rows = await QueryAsync("select recording_id, rank from brewclip.search_transcripts('dog grass', 10)");
        Assert.Equal(_recordingIds[0], Assert.Single(rows).Id);
        var cats = await QueryAsync("select recording_id, rank from brewclip.search_transcripts('cats', 10)");
        Assert.Equal(_recordingIds[1], Assert.Single(cats).Id);
    }

    [Fact]
    public async Task Index_status_counts_items_by_kind_and_stage()
    {
        await ExecuteAsync($"update brewclip.images set stage = 'embedded' where id <= {_imageIds[99]}");
        await ExecuteAsync($"update brewclip.images set stage = 'failed', failure_reason = 'unreadable' where id = {_imageIds[100]}");
        var counts = new Dictionary<(string, string), long>();
        await using (var command = _db.DataSource.CreateCommand("select kind, stage, items from brewclip.index_status"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                counts[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
            }
        }
        Assert.Equal(100, counts[("image", "embedded")]);
        Assert.Equal(1, counts[("image", "failed")]);
        Assert.Equal(199, counts[("image", "ingested")]);
        Assert.Equal(60, counts[("recording", "ingested")]);
        Assert.Equal(360, counts[("media", "accepted")]);

        await using var failures = _db.DataSource.CreateCommand("select kind, id, reason from brewclip.failures");
        await using var failure = await failures.ExecuteReaderAsync();
        Assert.True(await failure.ReadAsync());
        Assert.Equal(("image", _imageIds[100], "unreadable"), (failure.GetString(0), failure.GetInt64(1), failure.GetString(2)));
        Assert.False(await failure.ReadAsync());
    }

    private static double Distance(float[] query, float[] stored) => RandomVectors.CosineDistance(RandomVectors.RoundToHalf(query), stored);

    private async Task<List<(long Id, double Distance)>> QueryAsync(string sql, float[]? query = null)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        if (query is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        }
        var rows = new List<(long, double)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), Convert.ToDouble(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
