using Npgsql;

namespace BrewClip.Storage.ModelVersions;

/// <summary>
/// Serialises changes of which versions are live (active or backfilling) against the writes of vectors: a
/// writer holds the lock shared from reading the live versions until its vectors commit, and a status change
/// holds it exclusively. So a vector written for "the live versions" is never missing a version that became
/// live meanwhile, and none is written for a version after it stopped being live.
/// </summary>
public static class ModelVersionLock
{
    /// <summary>The advisory lock key ("brewclip" in ASCII, as a number).</summary>
    public const long Key = 0x62726577636C6970;

    public static Task TakeSharedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        => ExecuteAsync(connection, transaction, "select pg_advisory_xact_lock_shared($1)", cancellationToken);

    public static Task TakeExclusiveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        => ExecuteAsync(connection, transaction, "select pg_advisory_xact_lock($1)", cancellationToken);

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new() { Value = Key });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
