using BrewClip.Hosting.Backfill;
using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.ImageEmbedding;

/// <summary>Images re-embedded for a promoted version from their cached CLIP embeddings (the head only, no vision run), in id order.</summary>
internal sealed class ImageBackfillSource(ImageHeads heads) : IBackfillSource
{
    public string Kind => "image";

    public async Task<long> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select count(*) from brewclip.image_features", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<(int Items, BackfillCursor Last)> EmbedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        BackfillCursor after, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select image_id, image_embeds from brewclip.image_features where image_id > $1 order by image_id limit $2", connection, transaction);
        command.Parameters.Add(new() { Value = after.Id });
        command.Parameters.Add(new() { Value = limit });
        var rows = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        await WriteAsync(connection, transaction, version, rows, cancellationToken).ConfigureAwait(false);
        return (rows.Count, rows.Count == 0 ? after : new BackfillCursor(rows[^1].Id, -1));
    }

    public async Task<int> EmbedMissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select f.image_id, f.image_embeds from brewclip.image_features f
            where not exists (select 1 from brewclip.image_vectors v where v.model_version = $1 and v.image_id = f.image_id)
            order by f.image_id limit $2
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version.Version });
        command.Parameters.Add(new() { Value = limit });
        var rows = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        await WriteAsync(connection, transaction, version, rows, cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    private async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        List<(long Id, float[] Embedding)> rows, CancellationToken cancellationToken)
    {
        if (rows.Count > 0)
        {
            await VectorIndexWriter.UpsertImageVectorsAsync(connection, transaction, version.Version,
                await heads.VectorsAsync(version, rows, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<(long Id, float[] Embedding)>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<(long, float[])>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetInt64(0), reader.GetFieldValue<Pgvector.Vector>(1).ToArray()));
        }
        return rows;
    }
}
