using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>The CLIP crops stored for images until ImageEmbedding has cached their embeddings (then the <see cref="CropReleaser"/> deletes them).</summary>
public sealed class CropStore(NpgsqlDataSource dataSource)
{
    /// <summary>Up to <paramref name="limit"/> images with a stored crop whose CLIP embedding ImageEmbedding has cached: the crop is no longer read.</summary>
    public async Task<List<(long Id, string CropUri)>> CropsNoLongerNeededAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select i.id, i.clip_crop_uri from brewclip.images i
            where i.clip_crop_uri is not null and exists (select 1 from brewclip.image_features f where f.image_id = i.id)
            order by i.id limit $1
            """);
        command.Parameters.Add(new() { Value = limit });
        var crops = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            crops.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return crops;
    }

    /// <summary>The crops of these images are gone: the rows forget them.</summary>
    public async Task ForgetCropsAsync(IReadOnlyCollection<long> imageIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("update brewclip.images set clip_crop_uri = null where id = any($1)");
        command.Parameters.Add(new() { Value = imageIds.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
