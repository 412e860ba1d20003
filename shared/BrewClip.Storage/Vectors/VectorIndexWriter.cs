using Npgsql;
using NpgsqlTypes;

namespace BrewClip.Storage.Vectors;

/// <summary>
/// Bulk upserts into the vector index: rows stream in by binary COPY to a temporary table, then one
/// statement upserts them keyed by item and model version. A row whose vector is unchanged is not
/// rewritten, so a redelivered batch changes nothing.
/// </summary>
public sealed class VectorIndexWriter(NpgsqlDataSource dataSource)
{
    /// <summary>Upserts image vectors for a model version; returns how many rows were inserted or changed.</summary>
    public async Task<int> UpsertImageVectorsAsync(int modelVersion, IReadOnlyCollection<ImageVector> vectors, CancellationToken cancellationToken = default)
    {
        // One row per item: the last vector given for an id wins, as a second upsert of it would.
        var rows = vectors.GroupBy(v => v.ImageId).Select(g => g.Last()).ToList();
        return await LoadAndUpsertAsync(
            "create temporary table image_vectors_load (image_id bigint not null, embedding halfvec(512) not null) on commit drop",
            "copy image_vectors_load (image_id, embedding) from stdin (format binary)",
            async (importer, ct) =>
            {
                foreach (var row in rows)
                {
                    await importer.StartRowAsync(ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.ImageId, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.Embedding, PgVectorTypes.HalfVec, ct).ConfigureAwait(false);
                }
            },
            """
            insert into brewclip.image_vectors as t (model_version, image_id, embedding)
            select $1, image_id, embedding from image_vectors_load
            on conflict (model_version, image_id) do update
                set embedding = excluded.embedding, created_at = now()
                where t.embedding is distinct from excluded.embedding
            """,
            modelVersion, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Upserts audio segment vectors for a model version; returns how many rows were inserted or changed.</summary>
    public async Task<int> UpsertAudioVectorsAsync(int modelVersion, IReadOnlyCollection<AudioSegmentVector> vectors, CancellationToken cancellationToken = default)
    {
        var rows = vectors.GroupBy(v => (v.RecordingId, v.SegmentIndex)).Select(g => g.Last()).ToList();
        return await LoadAndUpsertAsync(
            "create temporary table audio_vectors_load (recording_id bigint not null, segment_index integer not null, embedding halfvec(512) not null) on commit drop",
            "copy audio_vectors_load (recording_id, segment_index, embedding) from stdin (format binary)",
            async (importer, ct) =>
            {
                foreach (var row in rows)
                {
                    await importer.StartRowAsync(ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.RecordingId, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.SegmentIndex, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.Embedding, PgVectorTypes.HalfVec, ct).ConfigureAwait(false);
                }
            },
            """
            insert into brewclip.audio_vectors as t (model_version, recording_id, segment_index, embedding)
            select $1, recording_id, segment_index, embedding from audio_vectors_load
            on conflict (model_version, recording_id, segment_index) do update
                set embedding = excluded.embedding, created_at = now()
                where t.embedding is distinct from excluded.embedding
            """,
            modelVersion, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> LoadAndUpsertAsync(
        string createLoadTable, string copy, Func<NpgsqlBinaryImporter, CancellationToken, Task> writeRows,
        string upsert, int modelVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand(createLoadTable, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var importer = await connection.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false))
        {
            await writeRows(importer, cancellationToken).ConfigureAwait(false);
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        int changed;
        await using (var command = new NpgsqlCommand(upsert, connection, transaction))
        {
            command.Parameters.Add(new() { Value = modelVersion });
            changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed;
    }
}
