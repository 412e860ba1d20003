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
    public async Task Search_audio_ranks_recordings_by_their_nearest_segment_at_that_moment()
    {
        foreach (var query in RandomVectors.Unit(5, 512, seed: 4))
        {
            var expected = _segments.GroupBy(p => p.Key.Recording)
                .Select(g => g.OrderBy(p => Distance(query, p.Value)).ThenBy(p => p.Key.Segment).First())
                .OrderBy(p => Distance(query, p.Value)).Take(10).Select(p => p.Key).ToList();
            var actual = new List<(long, int)>();
            await using var command = _db.DataSource.CreateCommand(
                "select recording_id, segment_index, start_seconds, distance, vector_rank, object_key, media_kind, model_version from brewclip.search_audio($1, 10)");
            command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
            await using var reader = await command.ExecuteReaderAsync();
            var previousRank = 0;
            while (await reader.ReadAsync())
            {
                var key = (reader.GetInt64(0), reader.GetInt32(1));
                actual.Add(key);
                Assert.Equal(reader.GetInt32(1) * 30.0, reader.GetDouble(2));
                Assert.Equal(Distance(query, _segments[key]), reader.GetDouble(3), 3);
                // The shown segment's rank among the candidates' segments: a recording's other segments may come between.
                Assert.True(reader.GetInt32(4) >= actual.Count && reader.GetInt32(4) > previousRank, $"vector rank {reader.GetInt32(4)} at row {actual.Count}");
                previousRank = reader.GetInt32(4);
                Assert.Equal(IndexFixture.RecordingKey(Array.IndexOf(_recordingIds, key.Item1)), reader.GetString(5));
                Assert.Equal(("audio", 0), (reader.GetString(6), reader.GetInt32(7)));
            }
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public async Task Search_images_names_each_hits_file_kind_and_model_version()
    {
        var query = RandomVectors.Unit(1, 512, seed: 6)[0];
        await using var command = _db.DataSource.CreateCommand("select image_id, source_name, object_key, media_kind, model_version from brewclip.search_images($1, 5)");
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            Assert.Equal(("fixture", IndexFixture.ImageKey(Array.IndexOf(_imageIds, reader.GetInt64(0))), "image", 0),
                (reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
        }
        Assert.Equal(5, rows);
    }

    [Fact]
    public async Task Words_said_in_a_recording_bring_it_up_by_rank_fusion_even_where_the_vectors_miss_it()
    {
        var query = RandomVectors.Unit(1, 512, seed: 7)[0];
        var ranked = _segments.GroupBy(p => p.Key.Recording).OrderBy(g => g.Min(p => Distance(query, p.Value))).Select(g => g.Key).ToList();
        var (ninth, last) = (ranked[8], ranked[^1]);
        await IndexFixture.AddTranscriptAsync(_db, ninth, "a zebra crosses the river at dawn");
        await IndexFixture.AddTranscriptAsync(_db, last, "the river runs far from here");
        await IndexFixture.AddTranscriptAsync(_db, ranked[0], "nothing about stripes here");

        var vectorOnly = await AudioAsync("select recording_id from brewclip.search_audio($1, 5)", query);
        Assert.Equal(ranked.Take(5), vectorOnly);
        // Vector rank 9 and text rank 1 (1/69 + 1/61) beat vector rank 1 alone (1/61).
        var zebra = await AudioAsync("select recording_id from brewclip.search_audio($1, 5, 'zebra')", query);
        Assert.Equal([ninth, .. ranked.Take(4)], zebra);
        // A recording no vector search would reach (last of 60) is found by the word it says.
        var river = await AudioAsync("select recording_id from brewclip.search_audio($1, 5, 'river')", query);
        Assert.Contains(last, river);
        Assert.Equal(ninth, river[0]);
        // Text alone: only what says every word, at the segment that says them, with the words marked.
        Assert.Equal([ninth], await AudioAsync("select recording_id from brewclip.search_audio(null, 5, 'zebra river')"));
        Assert.Equal("a [zebra] crosses the [river] at dawn", await _db.ScalarAsync<string>("select snippet from brewclip.search_audio(null, 5, 'zebra river')"));
        // With text_weight 0 the words change nothing.
        Assert.Equal(vectorOnly, await AudioAsync("select recording_id from brewclip.search_audio($1, 5, 'zebra', text_weight => 0)", query));
    }

    [Fact]
    public async Task A_hit_is_shown_at_the_segment_whose_fused_score_is_best_with_what_was_said_there()
    {
        // 74 s: the words at 0:42 (segment 1), the vector nearest in segment 2 (the query is that segment's own vector).
        var recording = _recordingIds[2];
        await ExecuteAsync($"""
            insert into brewclip.transcripts (recording_id, source, language, text) values ({recording}, 'sidecar', 'en', 'birds sing the zebra crossed the road and then rain');
            update brewclip.recording_segments set text = case segment_index when 0 then 'birds sing' when 1 then 'the zebra crossed the road' else 'and then rain' end
            where recording_id = {recording};
            """);
        var query = _segments[(recording, 2)];
        await using var command = _db.DataSource.CreateCommand(
            "select recording_id, segment_index, start_seconds, snippet, text_rank from brewclip.search_audio($1, 5, 'zebra') order by score desc limit 1");
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((recording, 1, 30.0), (reader.GetInt64(0), reader.GetInt32(1), reader.GetDouble(2)));
            Assert.Equal("the [zebra] crossed the road", reader.GetString(3));
            Assert.Equal(1, reader.GetInt32(4));
        }
        // Without the words, the vector's own segment is the moment.
        await using var vectorOnly = _db.DataSource.CreateCommand("select recording_id, segment_index from brewclip.search_audio($1, 1)");
        vectorOnly.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        await using var row = await vectorOnly.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal((recording, 2), (row.GetInt64(0), row.GetInt32(1)));
    }

    [Fact]
    public async Task Transcripts_are_searched_in_their_own_language_stop_words_matching_nothing()
    {
        var (english, german, unknown) = (_recordingIds[3], _recordingIds[4], _recordingIds[5]);
        await IndexFixture.AddTranscriptAsync(_db, english, "the zebra crosses the road on a bridge");
        await ExecuteAsync($"""
            insert into brewclip.transcripts (recording_id, source, language, text) values ({german}, 'whisper', 'de', 'die Katzen schlafen auf dem warmen Dach');
            update brewclip.recording_segments set text = 'die Katzen schlafen auf dem warmen Dach' where recording_id = {german} and segment_index = 0;
            insert into brewclip.transcripts (recording_id, source, language, text) values ({unknown}, 'whisper', null, 'zzq on the vlorp');
            update brewclip.recording_segments set text = 'zzq on the vlorp' where recording_id = {unknown} and segment_index = 0;
            """);
        async Task<List<long>> TextAsync(string words) => await AudioAsync($"select recording_id from brewclip.search_audio(null, 10, '{words}')");
        // English: stems ("crossed" finds "crosses"), and "the", "on", "a" are stop words that find only the transcript
        // of no known language (read with 'simple', where every word counts).
        Assert.Equal([english], await TextAsync("crossed zebras"));
        Assert.Equal([unknown], await TextAsync("on the"));
        Assert.Equal("the [zebra] [crosses] the road on a bridge",
            await _db.ScalarAsync<string>("select snippet from brewclip.search_audio(null, 10, 'zebra crossing')"));
        // German: "Katze" finds "Katzen", "die" and "auf" match nothing.
        Assert.Equal([german], await TextAsync("Katze Dach"));
        Assert.Empty(await TextAsync("die auf"));
        Assert.Equal(german, Assert.Single(await QueryAsync("select recording_id, rank from brewclip.search_transcripts('Katze', 10)")).Id);
        Assert.Equal("simple", await _db.ScalarAsync<string>("select brewclip.text_search_config('xx')::text"));
    }

    [Fact]
    public async Task Filters_by_kind_source_and_ingestion_time_still_return_k_hits_when_k_pass()
    {
        await IndexFixture.AddSourceAsync(_db, "other");
        var moved = _imageIds.Where((_, i) => i % 10 == 3).ToHashSet();
        await ExecuteAsync($"update brewclip.media_sources set source_name = 'other' where media_id in (select media_id from brewclip.images where id in ({string.Join(',', moved)}))");
        var old = _imageIds.Where((_, i) => i % 10 == 5).ToHashSet();
        await ExecuteAsync($"update brewclip.media set created_at = '2020-01-01' where id in (select media_id from brewclip.images where id in ({string.Join(',', old)}))");
        var query = RandomVectors.Unit(1, 512, seed: 8)[0];

        // One image in ten passes each filter; the 10 nearest of them are found though the unfiltered 10 nearest hold about one.
        var bySource = await QueryAsync("select image_id, distance from brewclip.search_images($1, 10, source => 'other')", query);
        Assert.Equal(_images.Where(p => moved.Contains(p.Key)).OrderBy(p => Distance(query, p.Value)).Take(10).Select(p => p.Key), bySource.Select(r => r.Id));
        var byTime = await QueryAsync("select image_id, distance from brewclip.search_images($1, 10, ingested_before => '2021-01-01')", query);
        Assert.Equal(_images.Where(p => old.Contains(p.Key)).OrderBy(p => Distance(query, p.Value)).Take(10).Select(p => p.Key), byTime.Select(r => r.Id));
        var recent = await QueryAsync("select image_id, distance from brewclip.search_images($1, 300, ingested_after => '2021-01-01')", query);
        Assert.Equal(300 - old.Count, recent.Count);
        Assert.Empty(await QueryAsync("select image_id, distance from brewclip.search_images($1, 10, kind => 'video')", query));
        Assert.Equal(10, (await QueryAsync("select image_id, distance from brewclip.search_images($1, 10, kind => 'image')", query)).Count);
        Assert.Empty(await AudioAsync("select recording_id from brewclip.search_audio($1, 10, kind => 'video')", query));
    }

    [Theory]
    [InlineData("search_images($1, 0)", "k must be between 1 and 1000; got 0")]
    [InlineData("search_images($1, 1001)", "k must be between 1 and 1000; got 1001")]
    [InlineData("search_images($1, 10, kind => 'audio')", "kind must be one of image, video (or null for all); got audio")]
    [InlineData("search_audio($1, 10, kind => 'image')", "kind must be one of audio, video (or null for all); got image")]
    [InlineData("search_images($1, 10, ef_search => 0)", "ef_search must be between 1 and 1000; got 0")]
    [InlineData("search_images($1, 10, version => 9)", "model version 9 does not exist")]
    [InlineData("search_audio(null, 10, '  ')", "a search needs a query vector, query text, or both")]
    [InlineData("search_audio($1, 10, 'dog', text_weight => -1)", "text_weight must be a number 0 or more; got -1")]
    public async Task A_search_refuses_a_bad_argument_saying_which(string call, string message)
    {
        await using var command = _db.DataSource.CreateCommand($"select count(*) from brewclip.{call}");
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(RandomVectors.Unit(1, 512, seed: 9)[0]) });
        var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        Assert.Equal(("22023", message), (e.SqlState, e.MessageText));
    }

    [Fact]
    public async Task The_functions_enforce_the_limits_the_services_check()
    {
        var query = VectorValues.ToVector(RandomVectors.Unit(1, 512, seed: 11)[0]);
        async Task<long> CountAsync(int k, int efSearch)
        {
            await using var command = _db.DataSource.CreateCommand("select count(*) from brewclip.search_images($1, $2, ef_search => $3)");
            command.Parameters.Add(new NpgsqlParameter { Value = query });
            command.Parameters.Add(new NpgsqlParameter { Value = k });
            command.Parameters.Add(new NpgsqlParameter { Value = efSearch });
            return (long)(await command.ExecuteScalarAsync())!;
        }
        Assert.Equal(Math.Min(SearchLimits.MaxK, _images.Count), await CountAsync(SearchLimits.MaxK, SearchLimits.MaxEfSearch));
        var k = await Assert.ThrowsAsync<PostgresException>(() => CountAsync(SearchLimits.MaxK + 1, 10));
        Assert.Equal($"k must be between 1 and {SearchLimits.MaxK}; got {SearchLimits.MaxK + 1}", k.MessageText);
        var ef = await Assert.ThrowsAsync<PostgresException>(() => CountAsync(10, SearchLimits.MaxEfSearch + 1));
        Assert.Equal($"ef_search must be between 1 and {SearchLimits.MaxEfSearch}; got {SearchLimits.MaxEfSearch + 1}", ef.MessageText);
    }

    [Fact]
    public async Task Ef_search_is_chosen_per_query_and_the_callers_setting_is_left_as_it_was()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using (var set = new NpgsqlCommand("set hnsw.ef_search = 77", connection))
        {
            await set.ExecuteNonQueryAsync();
        }
        await using (var search = new NpgsqlCommand("select count(*) from brewclip.search_images($1, 10, ef_search => 500)", connection))
        {
            search.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(RandomVectors.Unit(1, 512, seed: 10)[0]) });
            Assert.Equal(10L, await search.ExecuteScalarAsync());
        }
        await using var show = new NpgsqlCommand("show hnsw.ef_search", connection);
        Assert.Equal("77", await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task More_like_an_item_searches_with_its_own_vector_and_leaves_the_item_out()
    {
        var image = _imageIds[17];
        var media = await _db.ScalarAsync<long>($"select media_id from brewclip.images where id = {image}");
        var rows = await QueryAsync($"select image_id, distance from brewclip.search_images(brewclip.media_vector({media}), 5, exclude_media => {media})");
        Assert.Equal(_images.Where(p => p.Key != image).OrderBy(p => Distance(_images[image], p.Value)).Take(5).Select(p => p.Key), rows.Select(r => r.Id));

        // A recording's direction is the mean of its segments'.
        var recording = _recordingIds[2];
        var segments = _segments.Where(p => p.Key.Recording == recording).Select(p => p.Value).ToList();
        var mean = new float[512];
        foreach (var segment in segments)
        {
            for (var d = 0; d < mean.Length; d++)
            {
                mean[d] += segment[d];
            }
        }
        var stored = await _db.VectorAsync($"select brewclip.media_vector((select media_id from brewclip.recordings where id = {recording}))");
        Assert.Equal(0, RandomVectors.CosineDistance(mean, stored), 5);
        Assert.Equal(1, Math.Sqrt(stored.Sum(x => (double)x * x)), 5);

        var e = await Assert.ThrowsAsync<PostgresException>(() => _db.ScalarAsync<object>("select brewclip.media_vector(987654)"));
        Assert.Equal(("P0002", "media 987654 does not exist"), (e.SqlState, e.MessageText));
        await ExecuteAsync($"delete from brewclip.image_vectors where image_id = {_imageIds[18]}");
        var missing = await _db.ScalarAsync<long>($"select media_id from brewclip.images where id = {_imageIds[18]}");
        e = await Assert.ThrowsAsync<PostgresException>(() => _db.ScalarAsync<object>($"select brewclip.media_vector({missing})"));
        Assert.Equal($"media {missing} (image, accepted) has no vectors in model version 0: it is not indexed (yet)", e.MessageText);
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

    /// <summary>The first column (a recording id) of each row of an audio search.</summary>
    private async Task<List<long>> AudioAsync(string sql, float[]? query = null)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        if (query is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(query) });
        }
        var rows = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetInt64(0));
        }
        return rows;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
