using BrewClip.Storage.ModelVersions;
using Npgsql;
using NpgsqlTypes;

namespace BrewClip.Storage.Vectors;

/// <summary>
/// The one writer of brewclip.image_vectors and brewclip.audio_vectors. Bulk upserts into the vector index: rows stream in by binary COPY to a temporary table, then one
/// statement upserts them keyed by item and model version. A row whose vector is unchanged is not
/// rewritten, so a redelivered batch changes nothing. Only items that may hold vectors (brewclip.vector_recordings and
/// brewclip.vector_images: media neither replaced nor rejected) get them: media replaced at its
/// place by new content has none (Ingest deleted its vectors under the exclusive model-version lock). A backfill reads
/// its items from the same views, so it never waits on a vector this will not write.
/// </summary>
public sealed class VectorIndexWriter(NpgsqlDataSource dataSource)
{
    /// <summary>Upserts image vectors for a model version; returns how many rows were inserted or changed.</summary>
    public Task<int> UpsertImageVectorsAsync(int modelVersion, IReadOnlyCollection<ImageVector> vectors, CancellationToken cancellationToken = default)
        => InTransactionAsync((connection, transaction) => UpsertImageVectorsAsync(connection, transaction, modelVersion, vectors, cancellationToken), cancellationToken);

    /// <summary>Upserts audio segment vectors for a model version; returns how many rows were inserted or changed.</summary>
    public Task<int> UpsertAudioVectorsAsync(int modelVersion, IReadOnlyCollection<AudioSegmentVector> vectors, CancellationToken cancellationToken = default)
        => InTransactionAsync((connection, transaction) => UpsertAudioVectorsAsync(connection, transaction, modelVersion, vectors, cancellationToken), cancellationToken);

    /// <summary>
    /// Writes new items' vectors for every live version (<see cref="ModelVersionReader.LiveAsync"/>: the active one,
    /// one being backfilled, retired ones kept for a rollback) in one transaction that holds
    /// <see cref="ModelVersionLock"/> shared, so an item embedded while a version is backfilled gets that version's
    /// vector too, whether or not the backfill has passed it.
    /// </summary>
    /// <param name="serves">Which versions the writing service makes vectors for (those made with its models); null: all.</param>
    public Task<LiveVectorWrite> UpsertImageVectorsForLiveVersionsAsync(Func<ModelVersion, Task<IReadOnlyList<ImageVector>>> vectorsFor,
        CancellationToken cancellationToken = default, Func<ModelVersion, bool>? serves = null)
        => ForLiveVersionsAsync(async (connection, transaction, version)
            => await UpsertImageVectorsAsync(connection, transaction, version.Version, await vectorsFor(version).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
            serves, cancellationToken);

    /// <inheritdoc cref="UpsertImageVectorsForLiveVersionsAsync"/>
    public Task<LiveVectorWrite> UpsertAudioVectorsForLiveVersionsAsync(Func<ModelVersion, Task<IReadOnlyList<AudioSegmentVector>>> vectorsFor,
        CancellationToken cancellationToken = default, Func<ModelVersion, bool>? serves = null)
        => ForLiveVersionsAsync(async (connection, transaction, version)
            => await UpsertAudioVectorsAsync(connection, transaction, version.Version, await vectorsFor(version).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
            serves, cancellationToken);

    /// <summary>Upserts image vectors inside the caller's transaction.</summary>
    public static async Task<int> UpsertImageVectorsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int modelVersion,
        IReadOnlyCollection<ImageVector> vectors, CancellationToken cancellationToken)
    {
        // One row per item: the last vector given for an id wins, as a second upsert of it would.
        var rows = vectors.GroupBy(v => v.ImageId).Select(g => g.Last()).ToList();
        return await LoadAndUpsertAsync(connection, transaction,
            "image_vectors_load (image_id bigint not null, embedding halfvec not null)",
            "copy image_vectors_load (image_id, embedding) from stdin (format binary)",
            async (importer, ct) =>
            {
                foreach (var row in rows)
                {
                    await importer.StartRowAsync(ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.ImageId, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                    await importer.WriteAsync(VectorValues.ToHalfVector(row.Embedding.Span), ct).ConfigureAwait(false);
                }
            },
            """
            insert into brewclip.image_vectors as t (model_version, image_id, embedding)
            select $1, l.image_id, l.embedding from image_vectors_load l
            where exists (select 1 from brewclip.vector_images i where i.id = l.image_id)
            on conflict (model_version, image_id) do update
                set embedding = excluded.embedding, created_at = now()
                where t.embedding is distinct from excluded.embedding
            """,
            modelVersion, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Upserts audio segment vectors inside the caller's transaction.</summary>
    public static async Task<int> UpsertAudioVectorsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int modelVersion,
        IReadOnlyCollection<AudioSegmentVector> vectors, CancellationToken cancellationToken)
    {
        var rows = vectors.GroupBy(v => (v.RecordingId, v.SegmentIndex)).Select(g => g.Last()).ToList();
        return await LoadAndUpsertAsync(connection, transaction,
            "audio_vectors_load (recording_id bigint not null, segment_index integer not null, embedding halfvec not null)",
            "copy audio_vectors_load (recording_id, segment_index, embedding) from stdin (format binary)",
            async (importer, ct) =>
            {
                foreach (var row in rows)
                {
                    await importer.StartRowAsync(ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.RecordingId, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.SegmentIndex, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                    await importer.WriteAsync(VectorValues.ToHalfVector(row.Embedding.Span), ct).ConfigureAwait(false);
                }
            },
            """
            insert into brewclip.audio_vectors as t (model_version, recording_id, segment_index, embedding)
            select $1, l.recording_id, l.segment_index, l.embedding from audio_vectors_load l
            where exists (select 1 from brewclip.vector_recordings r where r.id = l.recording_id)
            on conflict (model_version, recording_id, segment_index) do update
                set embedding = excluded.embedding, created_at = now()
                where t.embedding is distinct from excluded.embedding
            """,
            modelVersion, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LiveVectorWrite> ForLiveVersionsAsync(
        Func<NpgsqlConnection, NpgsqlTransaction, ModelVersion, Task<int>> upsert, Func<ModelVersion, bool>? serves, CancellationToken cancellationToken)
    {
        var versions = new List<int>();
        var skipped = new List<int>();
        var changed = await InTransactionAsync(async (connection, transaction) =>
        {
            await ModelVersionLock.TakeSharedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var total = 0;
            foreach (var version in await ModelVersionReader.LiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
            {
                if (serves is not null && !serves(version))
                {
                    skipped.Add(version.Version);
                    continue;
                }
                total += await upsert(connection, transaction, version).ConfigureAwait(false);
                versions.Add(version.Version);
            }
            return total;
        }, cancellationToken).ConfigureAwait(false);
        return new LiveVectorWrite(versions, changed, skipped);
    }

    /// <summary>
    /// Deletes every version's vectors of a media's images and recordings (its content was replaced at its place).
    /// The caller holds the model-version lock exclusively, so no writer in flight adds one after the commit.
    /// </summary>
    public static async Task DeleteMediaVectorsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long mediaId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            with images as (
                delete from brewclip.image_vectors v using brewclip.images i where i.media_id = $1 and v.image_id = i.id)
            delete from brewclip.audio_vectors v using brewclip.recordings r where r.media_id = $1 and v.recording_id = r.id
            """, connection, transaction);
        command.Parameters.Add(new() { Value = mediaId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every vector of a model version (one no longer kept), image vectors first; no time limit.</summary>
    public static async Task DeleteVersionVectorsAsync(NpgsqlDataSource dataSource, int version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var table in new[] { "image_vectors", "audio_vectors" })
        {
            await using var command = new NpgsqlCommand($"delete from brewclip.{table} where model_version = $1", connection) { CommandTimeout = 0 };
            command.Parameters.Add(new() { Value = version });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> InTransactionAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task<int>> work, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Vectors of one model's width never go into a version made with another: a service running other models than a
    /// version records (its CLIP's width differs) is refused, naming both, and writes nothing.
    /// </summary>
    private static async Task RequireWidthAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, int modelVersion,
        CancellationToken cancellationToken)
    {
        await using var check = new NpgsqlCommand($"""
            select v.width, v.clip_model, l.narrowest, l.widest
            from brewclip.model_versions v,
                 (select min(vector_dims(embedding)) as narrowest, max(vector_dims(embedding)) as widest from {table}) l
            where v.version = $1
            """, connection, transaction);
        check.Parameters.Add(new() { Value = modelVersion });
        await using var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.IsDBNull(2))
        {
            return;
        }
        var (width, clip, narrowest, widest) = (reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3));
        if (narrowest != width || widest != width)
        {
            throw new VectorWidthMismatchException(
                $"Vectors of {(narrowest == widest ? narrowest.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{narrowest} to {widest}")} numbers " +
                $"cannot go into model version {modelVersion}, which holds {width}-number vectors made with {clip}: this service runs another model than " +
                $"that version records, so features of two models would mix. Run every service with the models of the active version " +
                $"(`brewclip models list` names them), or make a new base version for the new models.");
        }
    }

    private static async Task<int> LoadAndUpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string loadTable, string copy, Func<NpgsqlBinaryImporter, CancellationToken, Task> writeRows,
        string upsert, int modelVersion, CancellationToken cancellationToken)
    {
        // Dropped at commit; emptied when one transaction loads several times (a version each).
        var table = loadTable[..loadTable.IndexOf(' ', StringComparison.Ordinal)];
        await using (var create = new NpgsqlCommand($"create temporary table if not exists {loadTable} on commit drop; truncate {table}", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var importer = await connection.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false))
        {
            await writeRows(importer, cancellationToken).ConfigureAwait(false);
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await RequireWidthAsync(connection, transaction, table, modelVersion, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(upsert, connection, transaction);
        command.Parameters.Add(new() { Value = modelVersion });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
