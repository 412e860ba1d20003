using Npgsql;

namespace BrewClip.Storage;

/// <summary>Model versions and re-embedding progress, shared by the embedding services.</summary>
public sealed class ModelVersionStore(NpgsqlDataSource dataSource)
{
    public async Task<ModelVersion> ActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select version, status, artifact_uri from brewclip.model_versions where status = 'active'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("No model version is active; the schema's version 0 should be. Was brewclip.model_versions edited by hand?");
        }
        return new ModelVersion(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task<ModelVersion?> FindAsync(int version, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select version, status, artifact_uri from brewclip.model_versions where version = $1");
        command.Parameters.Add(new() { Value = version });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ModelVersion(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    /// <summary>Starts (or restarts) a backfill's progress row with its total; returns how many were already done.</summary>
    public async Task<long> StartBackfillAsync(int version, string kind, long total, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            insert into brewclip.backfills (model_version, kind, total, done) values ($1, $2, $3, 0)
            on conflict (model_version, kind) do update set total = excluded.total, updated_at = now()
            returning done
            """);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = total });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task ReportBackfillAsync(int version, string kind, long done, bool finished, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            update brewclip.backfills set done = $3, updated_at = now(), finished_at = case when $4 then now() else finished_at end
            where model_version = $1 and kind = $2
            """);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = done });
        command.Parameters.Add(new() { Value = finished });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the version's HNSW indexes (idempotent).</summary>
    public async Task CreateVectorIndexesAsync(int version, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("select brewclip.create_vector_indexes($1)");
        command.Parameters.Add(new() { Value = version });
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
