using BrewClip.Backfill;
using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;

namespace BrewClip.Hosting.Tests;

/// <summary>
/// The backfill's guard against a pass that cannot progress, on a real database: a source whose selection disagrees
/// with the vector writer (as the image backfill's did before it read brewclip.backfill_images: every cached image,
/// those of replaced media too) makes the batch fail naming the items, where it used to count them and repeat for ever.
/// </summary>
public sealed class BackfillStallGuardTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_pass_whose_items_the_writer_refuses_fails_naming_them_instead_of_repeating()
    {
        await _db.ExecuteAsync("""
            insert into brewclip.model_versions (version, status, description) values (1, 'backfilling', 'test');
            with m as (insert into brewclip.media (content_hash, kind, status, size_bytes)
                       select sha256(convert_to('image ' || g, 'UTF8')), 'image', case when g = 2 then 'replaced' else 'accepted' end, 1
                       from generate_series(1, 3) g returning id),
                 i as (insert into brewclip.images (media_id, image_uri, stage) select id, 'file:///images/' || id, 'embedded' from m returning id)
            insert into brewclip.image_features (image_id, image_embeds, clip_model) select id, array_fill(0.5, array[512])::vector, 'clip-vit-base-patch32' from i;
            """);
        var replaced = await _db.ScalarAsync<long>("select i.id from brewclip.images i join brewclip.media m on m.id = i.media_id where m.status = 'replaced'");
        var source = new EveryCachedImage();

        // The cursor pass goes past all three; the writer gives the replaced one nothing.
        var first = await BackfillBatch.RunAsync(_db.DataSource, source, 1, batchSize: 10, recount: false, CancellationToken.None);
        Assert.IsType<BackfillBatchOutcome.Progress>(first);
        Assert.Equal(2L, await _db.ScalarAsync<long>("select count(*) from brewclip.image_vectors where model_version = 1"));

        // The sweep after the cursor selects it again and again gets nothing: the batch fails, naming it.
        var stuck = await Assert.ThrowsAsync<BackfillStuckException>(
            () => BackfillBatch.RunAsync(_db.DataSource, source, 1, batchSize: 10, recount: false, CancellationToken.None));
        Assert.Equal(
            $"no progress in a whole pass: the vector writer gave none of version 1 to 1 of the 1 image items the pass selected (image {replaced}); " +
            "another pass would select them again", stuck.Message);
        // Nothing of the failed batch was kept, and the backfill was not marked finished.
        Assert.False(await _db.ScalarAsync<bool>("select finished_at is not null from brewclip.backfills where model_version = 1 and kind = 'image'"));
        Assert.Equal(0L, await _db.ScalarAsync<long>($"select count(*) from brewclip.image_vectors where image_id = {replaced}"));
    }

    [Fact]
    public async Task A_backfill_counts_only_what_it_re_embeds_and_never_more_done_than_total()
    {
        await _db.ExecuteAsync("""
            insert into brewclip.model_versions (version, status, description) values (1, 'backfilling', 'test');
            with m as (insert into brewclip.media (content_hash, kind, status, size_bytes)
                       select sha256(convert_to('image ' || g, 'UTF8')), 'image', 'accepted', 1 from generate_series(1, 5) g returning id),
                 i as (insert into brewclip.images (media_id, image_uri, stage) select id, 'file:///images/' || id, 'embedded' from m returning id)
            insert into brewclip.image_features (image_id, image_embeds, clip_model) select id, array_fill(0.5, array[512])::vector, 'clip-vit-base-patch32' from i;
            """);
        var source = new EveryCachedImage();

        var outcomes = new List<BackfillBatchOutcome>();
        do
        {
            outcomes.Add(await BackfillBatch.RunAsync(_db.DataSource, source, 1, batchSize: 2, recount: false, CancellationToken.None));
        }
        while (outcomes[^1] is BackfillBatchOutcome.Progress);

        Assert.Equal(
            [new BackfillBatchOutcome.Progress(2, 5), new BackfillBatchOutcome.Progress(4, 5), new BackfillBatchOutcome.Progress(5, 5), new BackfillBatchOutcome.Finished(5)],
            outcomes);
        Assert.Equal("5/5", await _db.ScalarAsync<string>("select done || '/' || total from brewclip.backfills where model_version = 1 and kind = 'image'"));
    }

    /// <summary>Every image with a cached embedding, whatever its media's status, each given the same unit vector.</summary>
    private sealed class EveryCachedImage : IBackfillSource
    {
        public string Kind => "image";

        public async Task<BackfillCount> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("""
                select count(v.image_id), count(*) from brewclip.image_features f
                left join brewclip.image_vectors v on v.model_version = $1 and v.image_id = f.image_id
                """, connection, transaction);
            command.Parameters.Add(new() { Value = version });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new BackfillCount(reader.GetInt64(0), reader.GetInt64(1));
        }

        public async Task<(int Items, BackfillCursor Last)> EmbedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
            BackfillCursor after, int limit, CancellationToken cancellationToken)
        {
            var ids = await IdsAsync(connection, transaction, "select image_id from brewclip.image_features where image_id > $1 order by image_id limit $2",
                after.Id, limit, cancellationToken);
            await WriteAsync(connection, transaction, version.Version, ids, cancellationToken);
            return (ids.Count, ids.Count == 0 ? after : new BackfillCursor(ids[^1], -1));
        }

        public async Task<(int Items, IReadOnlyList<string> Unwritten)> EmbedMissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
            ModelVersion version, int limit, CancellationToken cancellationToken)
        {
            var ids = await IdsAsync(connection, transaction, """
                select f.image_id from brewclip.image_features f
                where not exists (select 1 from brewclip.image_vectors v where v.model_version = $1 and v.image_id = f.image_id)
                order by f.image_id limit $2
                """, version.Version, limit, cancellationToken);
            await WriteAsync(connection, transaction, version.Version, ids, cancellationToken);
            var unwritten = await IdsAsync(connection, transaction, """
                select f.image_id from brewclip.image_features f
                where f.image_id = any ($2) and not exists (select 1 from brewclip.image_vectors v where v.model_version = $1 and v.image_id = f.image_id)
                order by 1
                """, version.Version, ids.ToArray(), cancellationToken);
            return (ids.Count, unwritten.Select(id => $"image {id}").ToList());
        }

        private static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, List<long> ids, CancellationToken cancellationToken)
        {
            var unit = new float[512];
            unit[0] = 1;
            await VectorIndexWriter.UpsertImageVectorsAsync(connection, transaction, version, ids.Select(id => new ImageVector(id, unit)).ToList(), cancellationToken);
        }

        private static async Task<List<long>> IdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object first, object second,
            CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.Add(new() { Value = first });
            command.Parameters.Add(new() { Value = second });
            var ids = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
            }
            return ids;
        }
    }
}
