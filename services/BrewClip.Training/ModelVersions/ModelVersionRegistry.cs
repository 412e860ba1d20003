using BrewClip.Models;
using BrewClip.Models.Catalogue;
using BrewClip.Models.Heads;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.ModelVersions;

/// <summary>
/// The one writer of brewclip.model_versions: registers candidates, promotes them, activates a completed
/// backfill or a rollback, rejects, and applies retention. Every status change goes through
/// <see cref="ModelVersionTransitions"/> and holds <see cref="ModelVersionLock"/> exclusively, so it never
/// interleaves with a vector write that read the live versions.
/// </summary>
internal sealed class ModelVersionRegistry(
    NpgsqlDataSource dataSource,
    IArtifactStore artifacts,
    VersionIndexes indexes,
    IOptions<TrainingOptions> options,
    ILogger<ModelVersionRegistry> logger)
{
    /// <summary>The artifact store's folder under which every version's heads are kept (<c>heads/&lt;name&gt;/</c>).</summary>
    public const string HeadsKey = "heads";

    /// <summary>Registers heads uploaded to the artifact store (under <see cref="HeadsKey"/>) as a new candidate version; returns its number.</summary>
    public async Task<int> RegisterAsync(string headsUri, string description, CancellationToken cancellationToken)
        => await RegisterAsync(headsUri, description, null, null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// As above, for heads a training run made: the version records the run and its validation metrics. The heads are
    /// fetched and checked whole first; the version's artifact URI is their folder, which every service reads.
    /// </summary>
    public async Task<int> RegisterAsync(string headsUri, string description, long? trainingRunId, string? metricsJson, CancellationToken cancellationToken)
    {
        headsUri = headsUri.TrimEnd('/');
        if (!artifacts.IsUnder(headsUri, HeadsKey))
        {
            throw new ModelRequestRefusedException(
                $"'{headsUri}' is not under the artifact store's {artifacts.UriOf(HeadsKey)}/; upload the heads there first (brewclip models promote does).");
        }
        AudioHeadConfig config;
        try
        {
            using var local = await artifacts.FetchFolderAsync(headsUri, HeadFolder.Files, cancellationToken).ConfigureAwait(false);
            config = HeadFolder.Check(local.Path);
        }
        catch (Exception e) when (e is InvalidDataException or ModelMissingException or FileNotFoundException)
        {
            throw new ModelRequestRefusedException($"the heads at {headsUri} cannot be used: {e.Message}");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        // Heads are trained on the active version's models and keep them (the insert inherits them): their width must be its.
        await using (var active = new NpgsqlCommand("select version, width, clip_model from brewclip.model_versions where status = 'active'", connection, transaction))
        await using (var reader = await active.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetInt32(1) != config.EmbeddingSize)
            {
                throw new ModelRequestRefusedException(
                    $"the heads at {headsUri} make {config.EmbeddingSize}-d vectors, but the active version {reader.GetInt32(0)} holds {reader.GetInt32(1)}-d vectors " +
                    $"of {reader.GetString(2)}; heads are trained on the active version's models.");
            }
        }
        await using var insert = new NpgsqlCommand("""
            insert into brewclip.model_versions (version, status, description, artifact_uri, config, training_run_id, metrics)
            select coalesce(max(version), 0) + 1, 'candidate', $1, $2, $3::jsonb, $4, coalesce($5::jsonb, '{}'::jsonb) from brewclip.model_versions
            returning version
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = description });
        insert.Parameters.Add(new() { Value = headsUri });
        insert.Parameters.Add(new() { Value = System.Text.Json.JsonSerializer.Serialize(new { audio_head = config }) });
        insert.Parameters.Add(new() { Value = (object?)trainingRunId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        insert.Parameters.Add(new() { Value = (object?)metricsJson ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var version = (int)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Registered model version {Version} ({Description}) with the heads at {Uri}", version, description, headsUri);
        return version;
    }

    /// <summary>
    /// The version for other models than the active version's: one already on its way (candidate or backfilling), else a
    /// base version (no heads: its vectors are its CLIP's own embeddings) registered now as a candidate. Decided under the
    /// exclusive version lock, so Training replicas starting together register one. Promoted, it re-indexes every item
    /// with the new models while the active version keeps serving search, and becomes active when it is complete.
    /// </summary>
    public async Task<(int Version, ModelVersionStatus Status)> EnsureBaseAsync(ModelChoice choice, string description, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using (var pending = new NpgsqlCommand("""
            select version, status from brewclip.model_versions
            where clip_model = $1 and whisper_model = $2 and status in ('candidate', 'backfilling') order by version desc limit 1
            """, connection, transaction))
        {
            pending.Parameters.Add(new() { Value = choice.Clip.Name });
            pending.Parameters.Add(new() { Value = choice.Whisper.Name });
            await using var reader = await pending.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (reader.GetInt32(0), ModelVersionTransitions.Parse(reader.GetString(1)));
            }
        }
        await using var insert = new NpgsqlCommand("""
            insert into brewclip.model_versions (version, status, description, clip_model, whisper_model, model_precision, width)
            select coalesce(max(version), 0) + 1, 'candidate', $1, $2, $3, $4, $5 from brewclip.model_versions
            returning version
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = description });
        insert.Parameters.Add(new() { Value = choice.Clip.Name });
        insert.Parameters.Add(new() { Value = choice.Whisper.Name });
        insert.Parameters.Add(new() { Value = choice.Precision.Name() });
        insert.Parameters.Add(new() { Value = choice.Clip.Width });
        var version = (int)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Registered base model version {Version} for {Clip} + {Whisper} ({Precision}, {Width}-d)", version, choice.Clip.Name,
            choice.Whisper.Name, choice.Precision.Name(), choice.Clip.Width);
        return (version, ModelVersionStatus.Candidate);
    }

    /// <summary>candidate -> backfilling: the embedding services start re-embedding with it.</summary>
    public async Task PromoteAsync(int version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using (var busy = new NpgsqlCommand("select version from brewclip.model_versions where status = 'backfilling' and version <> $1", connection, transaction))
        {
            busy.Parameters.Add(new() { Value = version });
            if (await busy.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int other)
            {
                throw new ModelRequestRefusedException($"version {other} is being backfilled; promote version {version} once it is active or rejected.");
            }
        }
        await MoveAsync(connection, transaction, version, ModelVersionStatus.Backfilling, null, cancellationToken).ConfigureAwait(false);
        var active = await ActiveVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Model version {Version} promoted: backfilling (active: {Active})", version, active);
    }

    /// <summary>A candidate or backfilling version -> rejected with the reason; its vectors and indexes are dropped. Other statuses are left alone.</summary>
    public async Task<bool> RejectAsync(int version, string reason, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var status = await StatusAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
            if (status is not (ModelVersionStatus.Candidate or ModelVersionStatus.Backfilling))
            {
                return false;
            }
            await MoveAsync(connection, transaction, version, ModelVersionStatus.Rejected, reason, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        logger.LogWarning("Model version {Version} rejected: {Reason}", version, reason);
        // No writer writes for it any more (it is not live), so its vectors go outside the lock.
        await DeleteVectorsAsync(version, cancellationToken).ConfigureAwait(false);
        await indexes.DropAsync(version, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Whether a backfilling version's backfills are both complete and its vectors cover the active version's items.</summary>
    public async Task<CompletionCheck> CheckAsync(int version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await CheckAsync(connection, null, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Builds the version's indexes, then, if it is still backfilling and complete, makes it active and the active
    /// one retired in one transaction. Returns the version it replaced, or null when it was not ready after all.
    /// </summary>
    public async Task<int?> ActivateBackfilledAsync(int version, CancellationToken cancellationToken)
    {
        await indexes.BuildAsync(version, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (await StatusAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false) != ModelVersionStatus.Backfilling)
        {
            return null;
        }
        // Counted again under the lock: no vector write can change them between here and the flip.
        var check = await CheckAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
        if (!check.BothFinished || !check.VectorsMatch)
        {
            return null;
        }
        var previous = await ActiveVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await MoveAsync(connection, transaction, previous, ModelVersionStatus.Retired, null, cancellationToken).ConfigureAwait(false);
        await MoveAsync(connection, transaction, version, ModelVersionStatus.Active, null, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Model version {Version} is active (version {Previous} retired)", version, previous);
        return previous;
    }

    /// <summary>A retained retired version -> active at once, the active one retired. Returns the version it replaced.</summary>
    public async Task<int> RollBackToAsync(int version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using (var find = new NpgsqlCommand("select status, vectors_dropped_at is not null from brewclip.model_versions where version = $1", connection, transaction))
        {
            find.Parameters.Add(new() { Value = version });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ModelRequestRefusedException($"there is no model version {version} (brewclip models list shows them).");
            }
            var status = ModelVersionTransitions.Parse(reader.GetString(0));
            var dropped = reader.GetBoolean(1);
            if (status == ModelVersionStatus.Active)
            {
                throw new ModelRequestRefusedException($"version {version} is already active.");
            }
            if (status != ModelVersionStatus.Retired)
            {
                throw new ModelRequestRefusedException($"version {version} is {status.ToDatabase()}; only a retired version can be activated again (a candidate becomes active by promotion).");
            }
            if (dropped)
            {
                throw new ModelRequestRefusedException(
                    $"version {version}'s vectors were dropped by retention (Training:RetainVersions={options.Value.RetainVersions}); promote its heads again to use it.");
            }
        }
        var previous = await ActiveVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await MoveAsync(connection, transaction, previous, ModelVersionStatus.Retired, null, cancellationToken).ConfigureAwait(false);
        await MoveAsync(connection, transaction, version, ModelVersionStatus.Active, null, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Rolled back: model version {Version} is active again (version {Previous} retired)", version, previous);
        return previous;
    }

    /// <summary>Keeps the vectors of the newest Training:RetainVersions active or retired versions; drops older retired versions' vectors and indexes.</summary>
    public async Task ApplyRetentionAsync(CancellationToken cancellationToken)
    {
        var dropped = new List<int>();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("""
                with kept as (
                    select version from brewclip.model_versions
                    where status in ('active', 'retired') and vectors_dropped_at is null
                    order by status = 'active' desc, activated_at desc nulls last, version desc
                    limit $1)
                update brewclip.model_versions v set vectors_dropped_at = now()
                where v.status = 'retired' and v.vectors_dropped_at is null and v.version not in (select version from kept)
                returning v.version
                """, connection, transaction);
            command.Parameters.Add(new() { Value = options.Value.RetainVersions });
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    dropped.Add(reader.GetInt32(0));
                }
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var version in dropped)
        {
            await DeleteVectorsAsync(version, cancellationToken).ConfigureAwait(false);
            await indexes.DropAsync(version, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Retention (Training:RetainVersions={Retain}): dropped the vectors and indexes of retired model version {Version}",
                options.Value.RetainVersions, version);
        }
    }

    private static async Task<CompletionCheck> CheckAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, int version, CancellationToken cancellationToken)
    {
        // Cheap first: the vector counts scan both versions' rows, so they wait until both backfills say they are done.
        await using (var finished = new NpgsqlCommand(
            "select count(*) = 2 from brewclip.backfills where model_version = $1 and finished_at is not null", connection, transaction))
        {
            finished.Parameters.Add(new() { Value = version });
            if (!(bool)(await finished.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return new CompletionCheck(false, 0, 0, 0, 0);
            }
        }
        await using var command = new NpgsqlCommand("""
            with active as (select version, clip_model, whisper_model from brewclip.model_versions where status = 'active')
            select
                (select count(*) from brewclip.image_vectors a, active where a.model_version = active.version
                    and not exists (select 1 from brewclip.image_vectors b where b.model_version = $1 and b.image_id = a.image_id)),
                (select count(*) from brewclip.image_vectors b, active where b.model_version = $1
                    and not exists (select 1 from brewclip.image_vectors a where a.model_version = active.version and a.image_id = b.image_id)),
                (select count(*) from brewclip.audio_vectors a, active where a.model_version = active.version
                    and not exists (select 1 from brewclip.audio_vectors b where b.model_version = $1
                                    and b.recording_id = a.recording_id and b.segment_index = a.segment_index)),
                (select count(*) from brewclip.audio_vectors b, active where b.model_version = $1
                    and not exists (select 1 from brewclip.audio_vectors a where a.model_version = active.version
                                    and a.recording_id = b.recording_id and a.segment_index = b.segment_index)),
                (select (v.clip_model, v.whisper_model) <> (active.clip_model, active.whisper_model)
                 from brewclip.model_versions v, active where v.version = $1)
            """, connection, transaction) { CommandTimeout = 0 };
        command.Parameters.Add(new() { Value = version });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new CompletionCheck(true, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetBoolean(4));
    }

    public async Task<int> ActiveVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ActiveVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> ActiveVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select version from brewclip.model_versions where status = 'active'", connection, transaction);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as int?
            ?? throw new InvalidOperationException("No model version is active; the schema's version 0 should be. Was brewclip.model_versions edited by hand?");
    }

    private static async Task<ModelVersionStatus?> StatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select status from brewclip.model_versions where version = $1 for update", connection, transaction);
        command.Parameters.Add(new() { Value = version });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string status ? ModelVersionTransitions.Parse(status) : null;
    }

    /// <summary>The one place a version's status changes: the move is checked against the stage machine.</summary>
    private static async Task MoveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, ModelVersionStatus to, string? reason,
        CancellationToken cancellationToken)
    {
        var from = await StatusAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelRequestRefusedException($"there is no model version {version}.");
        ModelVersionTransitions.Check(version, from, to);
        await using var command = new NpgsqlCommand("""
            update brewclip.model_versions
            set status = $2, status_reason = $3, activated_at = case when $2 = 'active' then now() else activated_at end
            where version = $1
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = to.ToDatabase() });
        command.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task DeleteVectorsAsync(int version, CancellationToken cancellationToken)
        => VectorIndexWriter.DeleteVersionVectorsAsync(dataSource, version, cancellationToken);
}
