using Npgsql;

namespace BrewClip.Storage.ModelVersions;

/// <summary>Reads of brewclip.model_versions for the services that use versions (the Training service alone writes them).</summary>
public sealed class ModelVersionReader(NpgsqlDataSource dataSource)
{
    private const string Columns = "version, status, artifact_uri, clip_model, whisper_model, width";

    /// <summary>The version searches use.</summary>
    public async Task<ModelVersion> ActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from brewclip.model_versions where status = 'active'");
        var versions = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return versions.Count == 1 ? versions[0] : throw new InvalidOperationException("No model version is active; run `brewclip db migrate` (it registers version 0).");
    }

    /// <summary>Versions being backfilled, oldest first.</summary>
    public async Task<List<ModelVersion>> BackfillingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from brewclip.model_versions where status = 'backfilling' order by version");
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Candidates (registered, not promoted), oldest first.</summary>
    public async Task<List<ModelVersion>> CandidatesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from brewclip.model_versions where status = 'candidate' order by version");
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The versions a new item needs vectors for, read inside a writer's transaction after it took
    /// <see cref="ModelVersionLock"/> shared: the active one, one being backfilled, and the retired ones whose
    /// vectors are kept for a rollback (so a rollback finds every item, including those that came after it retired).
    /// </summary>
    public static async Task<List<ModelVersion>> LiveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            select {Columns} from brewclip.model_versions
            where status in ('active', 'backfilling') or (status = 'retired' and vectors_dropped_at is null)
            order by version
            """, connection, transaction);
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One version's status inside a transaction (null when there is no such version).</summary>
    public static async Task<ModelVersion?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select {Columns} from brewclip.model_versions where version = $1", connection, transaction);
        command.Parameters.Add(new() { Value = version });
        var versions = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        return versions.Count == 1 ? versions[0] : null;
    }

    private static async Task<List<ModelVersion>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var versions = new List<ModelVersion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new ModelVersion(reader.GetInt32(0), ModelVersionTransitions.Parse(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetInt32(5)));
        }
        return versions;
    }
}
