using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.ModelVersions;

/// <summary>
/// A version's partial HNSW indexes (one per kind, <c>where model_version = N</c>, over its vectors at its width), built once its vectors are all
/// loaded, which is several times faster than inserting into a live graph, and concurrently, so vector writes for
/// other versions go on during the build.
/// </summary>
internal sealed class VersionIndexes(NpgsqlDataSource dataSource, IOptions<TrainingOptions> options, ILogger<VersionIndexes> logger)
{
    private static readonly string[] Tables = ["audio_vectors", "image_vectors"];

    public async Task BuildAsync(int version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        int width;
        await using (var widthCommand = new NpgsqlCommand("select brewclip.version_width($1)", connection))
        {
            widthCommand.Parameters.Add(new() { Value = version });
            width = await widthCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as int?
                ?? throw new InvalidOperationException($"Model version {version} does not exist, so it has no indexes to build.");
        }
        await ExecuteAsync(connection, $"set maintenance_work_mem = '{options.Value.IndexBuildMemory}'", cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var table in Tables)
            {
                var name = IndexName(table, version);
                // An interrupted concurrent build leaves an invalid index behind: drop it and build again.
                if (await IsValidAsync(connection, name, cancellationToken).ConfigureAwait(false) == false)
                {
                    logger.LogWarning("Index brewclip.{Index} is invalid (an interrupted build); building it again", name);
                    await ExecuteAsync(connection, $"drop index concurrently if exists brewclip.{name}", cancellationToken).ConfigureAwait(false);
                }
                var clock = System.Diagnostics.Stopwatch.StartNew();
                // Over the vectors cast to the version's width, as the searches compare them (the column holds any width).
                await ExecuteAsync(connection, string.Create(CultureInfo.InvariantCulture,
                    $"create index concurrently if not exists {name} on brewclip.{table} using hnsw ((embedding::halfvec({width})) halfvec_cosine_ops) " +
                    $"with (m = {options.Value.HnswM}, ef_construction = {options.Value.HnswEfConstruction}) where model_version = {version}"),
                    cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Index brewclip.{Index} ready in {Seconds:F1} s", name, clock.Elapsed.TotalSeconds);
            }
        }
        finally
        {
            await ExecuteAsync(connection, "reset maintenance_work_mem", CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async Task DropAsync(int version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var table in Tables)
        {
            await ExecuteAsync(connection, $"drop index concurrently if exists brewclip.{IndexName(table, version)}", cancellationToken).ConfigureAwait(false);
        }
    }

    public static string IndexName(string table, int version) => string.Create(CultureInfo.InvariantCulture, $"{table}_hnsw_v{version}");

    /// <summary>Whether the index is valid; null when there is none.</summary>
    private static async Task<bool?> IsValidAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'brewclip' and c.relname = $1
            """, connection);
        command.Parameters.Add(new() { Value = name });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as bool?;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
