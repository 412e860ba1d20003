using BrewClip.Storage;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.ImageEmbedding;

/// <summary>The image rows, cached CLIP embeddings and stages this service reads and writes.</summary>
internal sealed class ImageStore(NpgsqlDataSource dataSource)
{
    public async Task<List<ImageRow>> LoadAsync(long[] ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select id, image_uri, clip_crop_uri, stage from brewclip.images where id = any($1)");
        command.Parameters.Add(new() { Value = ids });
        var rows = new List<ImageRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ImageRow(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3)));
        }
        return rows;
    }

    public async Task<Dictionary<long, float[]>> CachedEmbeddingsAsync(long[] ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select image_id, image_embeds from brewclip.image_features where image_id = any($1)");
        command.Parameters.Add(new() { Value = ids });
        var cached = new Dictionary<long, float[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            cached[reader.GetInt64(0)] = reader.GetFieldValue<Pgvector.Vector>(1).ToArray();
        }
        return cached;
    }

    /// <summary>Caches CLIP's embeddings; an image already cached keeps its first embedding.</summary>
    public async Task SaveEmbeddingsAsync(IReadOnlyList<(long Id, ReadOnlyMemory<float> Embedding)> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await using var batch = dataSource.CreateBatch();
        foreach (var (id, embedding) in rows)
        {
            var command = new NpgsqlBatchCommand("insert into brewclip.image_features (image_id, image_embeds) values ($1, $2) on conflict (image_id) do nothing");
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(embedding) });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkFailedAsync(long id, string reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update brewclip.images set stage = 'failed', failure_reason = $2, stage_changed_at = now()
            where id = $1 and stage <> 'embedded' and failure_reason is distinct from $2
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = reason });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkEmbeddedAsync(long[] ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update brewclip.images set stage = 'embedded', failure_reason = null, stage_changed_at = now()
            where id = any($1) and stage <> 'embedded'
            """);
        command.Parameters.Add(new() { Value = ids });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
