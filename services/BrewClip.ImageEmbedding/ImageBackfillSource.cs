using BrewClip.Backfill;
using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.ImageEmbedding;

/// <summary>
/// Images re-embedded for a promoted version from their cached CLIP embeddings (the head only, no vision run), in id
/// order: those of brewclip.backfill_images, whose media is neither replaced nor rejected. For a base version of a new
/// CLIP, images whose cached embedding another CLIP made are embedded again first, from their media.
/// </summary>
internal sealed class ImageBackfillSource(ImageHeads heads, ImageStore images, ServedModels models, IServiceProvider services,
    ILogger<ImageBackfillSource> logger) : IBackfillSource
{
    public string Kind => "image";

    public bool Serves(ModelVersion version) => models.ServesImages(version);

    public async Task<BackfillCount> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select count(v.image_id), count(*) from brewclip.backfill_images f
            left join brewclip.image_vectors v on v.model_version = $1 and v.image_id = f.image_id
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new BackfillCount(reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task<(int Items, BackfillCursor Last)> EmbedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        BackfillCursor after, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select image_id, image_embeds, clip_model from brewclip.backfill_images where image_id > $1 order by image_id limit $2", connection, transaction);
        command.Parameters.Add(new() { Value = after.Id });
        command.Parameters.Add(new() { Value = limit });
        var rows = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        await WriteAsync(connection, transaction, version, rows, cancellationToken).ConfigureAwait(false);
        return (rows.Count, rows.Count == 0 ? after : new BackfillCursor(rows[^1].Id, -1));
    }

    public async Task<(int Items, IReadOnlyList<string> Unwritten)> EmbedMissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        ModelVersion version, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select f.image_id, f.image_embeds, f.clip_model from brewclip.backfill_images f
            where not exists (select 1 from brewclip.image_vectors v where v.model_version = $1 and v.image_id = f.image_id)
            order by f.image_id limit $2
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version.Version });
        command.Parameters.Add(new() { Value = limit });
        var rows = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return (0, []);
        }
        await WriteAsync(connection, transaction, version, rows, cancellationToken).ConfigureAwait(false);
        await using var check = new NpgsqlCommand("""
            select f.image_id from brewclip.backfill_images f
            where f.image_id = any ($2)
              and not exists (select 1 from brewclip.image_vectors v where v.model_version = $1 and v.image_id = f.image_id)
            order by 1
            """, connection, transaction);
        check.Parameters.Add(new() { Value = version.Version });
        check.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
        var unwritten = new List<string>();
        await using var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            unwritten.Add($"image {reader.GetInt64(0)}");
        }
        return (rows.Count, unwritten);
    }

    private async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        List<(long Id, float[] Embedding, string Clip)> rows, CancellationToken cancellationToken)
    {
        var embedded = rows.Where(r => r.Clip == version.Clip).Select(r => (r.Id, r.Embedding)).ToList();
        var other = rows.Where(r => r.Clip != version.Clip).Select(r => r.Id).ToArray();
        if (other.Length > 0)
        {
            // The vision tower is resolved only here, when a version of a new CLIP needs it. What it embeds is cached (this
            // CLIP's now); an image that cannot be read now gets no vector and is named by the backfill's final pass.
            var (embeddings, failures, _, _) = await services.GetRequiredService<ImageFeatures>()
                .EnsureAsync(await images.LoadAsync(other, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            embedded.AddRange(embeddings.Select(e => (e.Key, e.Value)));
            foreach (var (id, reason) in failures)
            {
                logger.LogWarning("Image {ImageId} was not embedded again for model version {Version} ({Clip}): {Reason}", id, version.Version, version.Clip, reason);
            }
        }
        if (embedded.Count > 0)
        {
            embedded.Sort((a, b) => a.Item1.CompareTo(b.Item1));
            await VectorIndexWriter.UpsertImageVectorsAsync(connection, transaction, version.Version,
                await heads.VectorsAsync(version, embedded, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<(long Id, float[] Embedding, string Clip)>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<(long, float[], string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetInt64(0), reader.GetFieldValue<Pgvector.Vector>(1).ToArray(), reader.GetString(2)));
        }
        return rows;
    }
}
