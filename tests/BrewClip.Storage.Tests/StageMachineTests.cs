using BrewClip.Storage.Stages;
using BrewClip.Testing;

namespace BrewClip.Storage.Tests;

/// <summary>The items' stage machines against the real tables: what may follow what, and what a move does to each row.</summary>
public sealed class StageMachineTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void A_transition_the_machine_does_not_allow_is_refused_naming_the_item_and_both_stages()
    {
        Assert.True(ItemStages.Recording.Allows(RecordingStage.Ingested, RecordingStage.Transcribed));
        Assert.False(ItemStages.Recording.Allows(RecordingStage.Ingested, RecordingStage.Embedded));
        Assert.False(ItemStages.Recording.Allows(RecordingStage.Embedded, RecordingStage.Failed));
        Assert.False(ItemStages.Image.Allows(ImageStage.Embedded, ImageStage.Ingested));

        var e = Assert.Throws<StageTransitionException>(() => ItemStages.Recording.Check([RecordingStage.Transcribed, RecordingStage.Embedded], RecordingStage.Transcribed));
        Assert.Equal("a recording may not move transcribed -> transcribed, embedded -> transcribed", e.Message);
    }

    [Fact]
    public async Task A_refused_transition_writes_nothing()
    {
        var ids = await IndexFixture.AddRecordingsAsync(_db, [1]);
        await Assert.ThrowsAsync<StageTransitionException>(() => ItemStages.Recording.MoveAsync(_db.DataSource, ids, [RecordingStage.Ingested], RecordingStage.Embedded));
        Assert.Equal("ingested", await _db.ScalarAsync<string>($"select stage from brewclip.recordings where id = {ids[0]}"));
    }

    [Fact]
    public async Task A_move_takes_only_items_in_its_from_stages_and_reports_the_rest_with_their_stage()
    {
        var ids = await IndexFixture.AddRecordingsAsync(_db, [1, 1, 1]);
        await _db.ExecuteAsync($"update brewclip.recordings set stage = 'embedded' where id = {ids[1]}");

        var moves = await ItemStages.Recording.MoveAsync(_db.DataSource, [ids[0], ids[1], ids[2], 999_999], [RecordingStage.Ingested], RecordingStage.Transcribed);

        Assert.Equal([ids[0], ids[2]], moves.Moved.Order());
        Assert.Equal([(ids[1], (RecordingStage?)RecordingStage.Embedded), (999_999L, (RecordingStage?)null)], moves.Left.OrderBy(l => l.Id));
        Assert.Equal(["transcribed", "embedded", "transcribed"],
            await _db.ColumnAsync<string>($"select stage from brewclip.recordings where id in ({ids[0]}, {ids[1]}, {ids[2]}) order by id"));
        var e = Assert.Throws<StageTransitionException>(() => moves.ThrowIfAnyLeft());
        Assert.Equal($"recording {ids[1]} is embedded: embedded -> transcribed is not allowed here; there is no recording 999999", e.Message);
    }

    [Fact]
    public async Task A_failure_records_its_reason_once_and_a_new_reason_replaces_it()
    {
        var ids = await IndexFixture.AddImagesAsync(_db, 1);
        var from = new[] { ImageStage.Ingested, ImageStage.Failed };
        Assert.Single((await ItemStages.Image.MoveAsync(_db.DataSource, ids, from, ImageStage.Failed, "not a readable image")).Moved);
        var first = await _db.ScalarAsync<string>($"select stage_changed_at::text from brewclip.images where id = {ids[0]}");

        // The same failure again (a redelivered fault) changes nothing, not even the clock.
        var again = await ItemStages.Image.MoveAsync(_db.DataSource, ids, from, ImageStage.Failed, "not a readable image");
        Assert.Empty(again.Moved);
        Assert.Equal(first, await _db.ScalarAsync<string>($"select stage_changed_at::text from brewclip.images where id = {ids[0]}"));

        Assert.Single((await ItemStages.Image.MoveAsync(_db.DataSource, ids, from, ImageStage.Failed, "the file is gone")).Moved);
        Assert.Equal("failed:the file is gone", await _db.ScalarAsync<string>($"select stage || ':' || failure_reason from brewclip.images where id = {ids[0]}"));

        // Embedded clears the reason.
        await ItemStages.Image.MoveAsync(_db.DataSource, ids, from, ImageStage.Embedded);
        Assert.Equal("embedded:", await _db.ScalarAsync<string>($"select stage || ':' || coalesce(failure_reason, '') from brewclip.images where id = {ids[0]}"));
    }

    [Fact]
    public async Task A_replay_of_every_item_moves_the_failed_ones_and_a_restart_counts_items_already_there()
    {
        var ids = await IndexFixture.AddRecordingsAsync(_db, [1, 1, 1]);
        await _db.ExecuteAsync($"update brewclip.recordings set stage = 'failed', failure_reason = 'x' where id in ({ids[0]}, {ids[2]})");

        var replay = await ItemStages.Recording.MoveAsync(_db.DataSource, null, [RecordingStage.Failed], RecordingStage.Ingested);
        Assert.Equal([ids[0], ids[2]], replay.Moved.Order());
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage <> 'ingested' or failure_reason is not null"));

        // Sent back to the start by a new sidecar: items already at ingested restart too (their message goes out again).
        await _db.ExecuteAsync($"update brewclip.recordings set stage_changed_at = now() - interval '1 hour'");
        var reset = await ItemStages.Recording.MoveAsync(_db.DataSource, ids, [RecordingStage.Ingested, RecordingStage.Transcribed, RecordingStage.Embedded],
            RecordingStage.Ingested, restart: true);
        Assert.Equal(ids.Order(), reset.Moved.Order());
        Assert.Equal(0L, await _db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage_changed_at < now() - interval '1 minute'"));
    }

    [Fact]
    public async Task Items_left_at_a_stage_too_long_restart_their_clock_once()
    {
        var ids = await IndexFixture.AddImagesAsync(_db, 3);
        await _db.ExecuteAsync($"update brewclip.images set stage_changed_at = now() - interval '1 hour' where id in ({ids[0]}, {ids[1]})");
        await _db.ExecuteAsync($"update brewclip.images set stage = 'embedded' where id = {ids[1]}");
        await using var connection = await _db.DataSource.OpenConnectionAsync();

        Assert.Equal([ids[0]], await ItemStages.Image.RestartStaleAsync(connection, ImageStage.Ingested, TimeSpan.FromMinutes(10), CancellationToken.None));
        Assert.Empty(await ItemStages.Image.RestartStaleAsync(connection, ImageStage.Ingested, TimeSpan.FromMinutes(10), CancellationToken.None));
    }
}
