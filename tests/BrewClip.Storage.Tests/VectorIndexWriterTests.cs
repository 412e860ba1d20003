using BrewClip.Storage.Vectors;
using BrewClip.Testing;

namespace BrewClip.Storage.Tests;

public sealed class VectorIndexWriterTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Redelivered_image_batch_writes_nothing_the_second_time()
    {
        var ids = await IndexFixture.AddImagesAsync(_db, 50);
        var vectors = RandomVectors.Unit(50, 512, seed: 1);
        var batch = ids.Select((id, i) => new ImageVector(id, vectors[i])).ToList();
        var writer = new VectorIndexWriter(_db.DataSource);

        Assert.Equal(50, await writer.UpsertImageVectorsAsync(0, batch));
        // xmin is the transaction that wrote each row version: unchanged means not rewritten.
        const string rowVersions = "select string_agg(xmin::text, ',' order by image_id) from brewclip.image_vectors";
        var written = await ScalarAsync<string>(rowVersions);

        Assert.Equal(0, await writer.UpsertImageVectorsAsync(0, batch));
        Assert.Equal(written, await ScalarAsync<string>(rowVersions));
        Assert.Equal(50L, await ScalarAsync<long>("select count(*) from brewclip.image_vectors"));
    }

    [Fact]
    public async Task Changed_vector_replaces_the_old_one()
    {
        var ids = await IndexFixture.AddImagesAsync(_db, 3);
        var vectors = RandomVectors.Unit(4, 512, seed: 2);
        var writer = new VectorIndexWriter(_db.DataSource);
        await writer.UpsertImageVectorsAsync(0, ids.Select((id, i) => new ImageVector(id, vectors[i])).ToList());

        Assert.Equal(1, await writer.UpsertImageVectorsAsync(0, [new ImageVector(ids[1], vectors[3])]));

        var stored = await _db.VectorAsync($"select embedding from brewclip.image_vectors where image_id = {ids[1]}");
        Assert.Equal(RandomVectors.RoundToHalf(vectors[3]), stored);
    }

    [Fact]
    public async Task Same_item_twice_in_one_batch_keeps_the_last()
    {
        var ids = await IndexFixture.AddImagesAsync(_db, 1);
        var vectors = RandomVectors.Unit(2, 512, seed: 3);
        await new VectorIndexWriter(_db.DataSource).UpsertImageVectorsAsync(0,
            [new ImageVector(ids[0], vectors[0]), new ImageVector(ids[0], vectors[1])]);
        var stored = await _db.VectorAsync($"select embedding from brewclip.image_vectors where image_id = {ids[0]}");
        Assert.Equal(RandomVectors.RoundToHalf(vectors[1]), stored);
    }

    [Fact]
    public async Task Audio_vectors_are_keyed_by_recording_segment_and_version()
    {
        var recordings = await IndexFixture.AddRecordingsAsync(_db, [3]);
        var vectors = RandomVectors.Unit(3, 512, seed: 4);
        var batch = Enumerable.Range(0, 3).Select(s => new AudioSegmentVector(recordings[0], s, vectors[s])).ToList();
        var writer = new VectorIndexWriter(_db.DataSource);

        Assert.Equal(3, await writer.UpsertAudioVectorsAsync(0, batch));
        Assert.Equal(0, await writer.UpsertAudioVectorsAsync(0, batch));
        var stored = await _db.VectorAsync($"select embedding from brewclip.audio_vectors where recording_id = {recordings[0]} and segment_index = 2");
        Assert.Equal(RandomVectors.RoundToHalf(vectors[2]), stored);
    }

    [Fact]
    public async Task Only_items_of_media_neither_replaced_nor_rejected_get_vectors_whatever_their_stage()
    {
        // Four images and four one-segment recordings: kept, of replaced media, of rejected media, failed (an image marked
        // failed may still be embedded by a later delivery, so its stage does not decide).
        var images = await IndexFixture.AddImagesAsync(_db, 4);
        var recordings = await IndexFixture.AddRecordingsAsync(_db, [1, 1, 1, 1]);
        await _db.ExecuteAsync($"""
            update brewclip.media set status = 'replaced'
            where id in (select media_id from brewclip.images where id = {images[1]} union select media_id from brewclip.recordings where id = {recordings[1]});
            update brewclip.media set status = 'rejected', rejection_reason = 'not media'
            where id in (select media_id from brewclip.images where id = {images[2]} union select media_id from brewclip.recordings where id = {recordings[2]});
            update brewclip.images set stage = 'failed', failure_reason = 'not a readable image' where id = {images[3]};
            update brewclip.recordings set stage = 'failed', failure_reason = 'no audio stream' where id = {recordings[3]};
            """);
        var vectors = RandomVectors.Unit(8, 512, seed: 5);
        var writer = new VectorIndexWriter(_db.DataSource);

        Assert.Equal(2, await writer.UpsertImageVectorsAsync(0, images.Select((id, i) => new ImageVector(id, vectors[i])).ToList()));
        Assert.Equal(2, await writer.UpsertAudioVectorsAsync(0, recordings.Select((id, i) => new AudioSegmentVector(id, 0, vectors[4 + i])).ToList()));

        Assert.Equal([images[0], images[3]], await _db.ColumnAsync<long>("select image_id from brewclip.image_vectors order by 1"));
        Assert.Equal([recordings[0], recordings[3]], await _db.ColumnAsync<long>("select recording_id from brewclip.audio_vectors order by 1"));
        // The views a backfill selects from name exactly these items.
        Assert.Equal([images[0], images[3]], await _db.ColumnAsync<long>("select id from brewclip.vector_images order by 1"));
        Assert.Equal([recordings[0], recordings[3]], await _db.ColumnAsync<long>("select id from brewclip.vector_recordings order by 1"));
    }

    [Fact]
    public async Task Index_status_counts_a_replaced_files_recording_and_image_as_replaced_not_embedded()
    {
        var images = await IndexFixture.AddImagesAsync(_db, 2);
        var recordings = await IndexFixture.AddRecordingsAsync(_db, [1, 1]);
        await _db.ExecuteAsync($"""
            update brewclip.images set stage = 'embedded';
            update brewclip.recordings set stage = 'embedded';
            update brewclip.media set status = 'replaced'
            where id in (select media_id from brewclip.images where id = {images[1]} union select media_id from brewclip.recordings where id = {recordings[1]});
            """);

        Assert.Equal(["image embedded 1", "image replaced 1", "recording embedded 1", "recording replaced 1"], await _db.ColumnAsync<string>("""
            select kind || ' ' || stage || ' ' || items from brewclip.index_status where kind in ('image', 'recording') order by 1
            """));
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
