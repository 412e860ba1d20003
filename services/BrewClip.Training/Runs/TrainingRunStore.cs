using BrewClip.Contracts;
using BrewClip.Models.Training;
using BrewClip.Storage.ModelVersions;
using Npgsql;
using NpgsqlTypes;

namespace BrewClip.Training.Runs;

/// <summary>
/// The Training service's side of brewclip.training_runs (people and tools queue and cancel runs through
/// brewclip.request_retrain and brewclip.cancel_retrain): requests, claiming, progress, the end of a run.
/// </summary>
internal sealed class TrainingRunStore(NpgsqlDataSource dataSource)
{
    public const string Channel = "brewclip_training";

    /// <summary>Queues a run for a request (or joins the queued one); returns the run's id.</summary>
    public async Task<long> RequestAsync(RetrainRequested request, string trigger, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select brewclip.request_retrain(reason => $1, epochs => $2, frame_match => $3, force => $4, request_id => $5, requested_by => $6, trigger => $7)");
        command.Parameters.Add(new() { Value = (object?)request.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)request.Epochs ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = (object?)request.FrameMatch?.ToLowerInvariant() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = request.Force });
        command.Parameters.Add(new() { Value = request.RequestId });
        command.Parameters.Add(new() { Value = request.RequestedBy });
        command.Parameters.Add(new() { Value = trigger });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The run to work on: one left running by a worker that died (resumed), else the queued one, now running.
    /// Called only by the holder of the training lease, so no other worker claims at the same time.
    /// </summary>
    public async Task<TrainingRun?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            with next as (
                select id from brewclip.training_runs
                where status = 'running' or (status = 'queued' and not exists (select 1 from brewclip.training_runs where status = 'running'))
                order by (status = 'running') desc, id limit 1)
            update brewclip.training_runs r
            set status = 'running', started_at = coalesce(r.started_at, now()), updated_at = now(),
                message = case when r.status = 'running' then 'resuming from the last checkpoint' else 'starting' end
            from next where r.id = next.id
            returning {Columns}
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>Writes where the run is; returns whether someone asked it to stop.</summary>
    public async Task<bool> ReportAsync(long id, TrainingProgress progress, string message, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update brewclip.training_runs
            set epoch = $2, epochs = $3, step = $4, total_steps = $5, progress = $6, loss = $7, samples_per_second = $8,
                eta_seconds = $9, message = $10, stops_at_step = $11, updated_at = now()
            where id = $1
            returning cancel_requested_at is not null
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = progress.Epoch });
        command.Parameters.Add(new() { Value = progress.Epochs });
        command.Parameters.Add(new() { Value = progress.Step });
        command.Parameters.Add(new() { Value = progress.TotalSteps });
        command.Parameters.Add(new() { Value = progress.Done });
        command.Parameters.Add(new() { Value = float.IsFinite(progress.Loss) ? (object)(double)progress.Loss : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new() { Value = progress.SamplesPerSecond });
        command.Parameters.Add(new() { Value = progress.EtaSeconds });
        command.Parameters.Add(new() { Value = message });
        command.Parameters.Add(new() { Value = (object?)progress.StopsAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    public async Task SetMessageAsync(long id, string message, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("update brewclip.training_runs set message = $2, updated_at = now() where id = $1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = message });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The version a run registered (by the version's training_run_id): a run resumed after registering only decides.</summary>
    public async Task<(int Version, ModelVersionStatus Status, TrainingMetrics Metrics)?> CandidateOfAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select version, status, metrics::text from brewclip.model_versions where training_run_id = $1 order by version desc limit 1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var version = reader.GetInt32(0);
        return (version, ModelVersionTransitions.Parse(reader.GetString(1)), TrainingMetrics.FromJson(reader.GetString(2))
            ?? throw new InvalidDataException($"The metrics of model version {version}, registered by training run {id}, are not a training run's."));
    }

    public async Task FinishAsync(long id, RunOutcome outcome, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update brewclip.training_runs
            set status = $2, message = $3, metrics = coalesce($4::jsonb, metrics), candidate_version = coalesce($5, candidate_version),
                error = case when $2 = 'failed' then $3 end, finished_at = now(), updated_at = now(),
                progress = case when $2 in ('succeeded', 'rejected') then 1 else progress end, eta_seconds = null
            where id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = outcome.Status.ToDatabase() });
        command.Parameters.Add(new() { Value = outcome.Message });
        command.Parameters.Add(new() { Value = (object?)outcome.Metrics?.ToJson() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)outcome.CandidateVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Train pairs (recording-image groups) that arrived since the last run that finished training, and since when.</summary>
    public async Task<(long Count, DateTime? Since)> NewTrainPairsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            with last as (select max(started_at) as since from brewclip.training_runs where status in ('succeeded', 'rejected'))
            select count(distinct (p.recording_id, i.media_id)), (select since from last)
            from brewclip.pairs p join brewclip.images i on i.id = p.image_id
            where p.split = 'train' and p.created_at > coalesce((select since from last), '-infinity')
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1));
    }

    /// <summary>Whether a run is queued or running (the schedule then has nothing to add).</summary>
    public async Task<bool> BusyAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select exists (select 1 from brewclip.training_runs where status in ('queued', 'running'))");
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>Of <paramref name="ids"/>, the runs that are not queued or running (ended, or not in the database).</summary>
    public async Task<List<long>> NotActiveAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select u.id from unnest($1::bigint[]) as u(id)
            where not exists (select 1 from brewclip.training_runs r where r.id = u.id and r.status in ('queued', 'running'))
            """);
        command.Parameters.Add(new() { Value = ids.ToArray() });
        var ended = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ended.Add(reader.GetInt64(0));
        }
        return ended;
    }

    private const string Columns = "r.id, r.trigger, r.force, (r.options->>'epochs')::integer, r.options->>'frame_match', r.started_at";

    private static TrainingRun Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetBoolean(2),
        reader.IsDBNull(3) ? null : reader.GetInt32(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetDateTime(5));
}
