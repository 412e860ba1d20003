using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Stages;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.ImageEmbedding;

/// <summary>The image rows, cached CLIP embeddings (of the CLIP this service runs) and stages this service reads and writes.</summary>
internal sealed class ImageStore(NpgsqlDataSource dataSource, ServedModels models)
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
        await using var command = dataSource.CreateCommand("select image_id, image_embeds from brewclip.image_features where image_id = any($1) and clip_model = $2");
        command.Parameters.Add(new() { Value = ids });
        command.Parameters.Add(new() { Value = models.Clip });
        var cached = new Dictionary<long, float[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            cached[reader.GetInt64(0)] = reader.GetFieldValue<Pgvector.Vector>(1).ToArray();
        }
        return cached;
    }

    /// <summary>Caches CLIP's embeddings; an image already cached by this CLIP keeps its first embedding, one cached by another CLIP gets this one's.</summary>
    public async Task SaveEmbeddingsAsync(IReadOnlyList<(long Id, ReadOnlyMemory<float> Embedding)> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await using var batch = dataSource.CreateBatch();
        foreach (var (id, embedding) in rows)
        {
            var command = new NpgsqlBatchCommand("""
                insert into brewclip.image_features as f (image_id, image_embeds, clip_model) values ($1, $2, $3)
                on conflict (image_id) do update set image_embeds = excluded.image_embeds, clip_model = excluded.clip_model, created_at = now()
                    where f.clip_model <> excluded.clip_model
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(embedding) });
            command.Parameters.Add(new NpgsqlParameter { Value = models.Clip });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkFailedAsync(long id, string reason, CancellationToken cancellationToken)
    {
        // An embedded image stays embedded: a late fault changes nothing.
        await ItemStages.Image.MoveAsync(dataSource, [id], [ImageStage.Ingested, ImageStage.Failed], ImageStage.Failed, reason,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkEmbeddedAsync(long[] ids, CancellationToken cancellationToken)
    {
        await ItemStages.Image.MoveAsync(dataSource, ids, [ImageStage.Ingested, ImageStage.Failed], ImageStage.Embedded,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
