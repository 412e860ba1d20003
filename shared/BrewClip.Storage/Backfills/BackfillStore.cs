using Npgsql;

namespace BrewClip.Storage.Backfills;

/// <summary>
/// brewclip.backfills, each row written by the embedding service of its kind. Every change happens inside the
/// transaction that writes the vectors it counts, under the row's lock, so progress and vectors never disagree.
/// </summary>
public static class BackfillStore
{
    /// <summary>Creates the row of a backfill that has not started; an existing row is left as it is.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, string kind, long total, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            insert into brewclip.backfills (model_version, kind, total) values ($1, $2, $3)
            on conflict (model_version, kind) do nothing
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = total });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Locks a backfill's row until the transaction ends and reads it; null when it does not exist.</summary>
    public static async Task<BackfillState?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, string kind, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select cursor_id, cursor_segment, done, total, finished_at is not null from brewclip.backfills
            where model_version = $1 and kind = $2 for update
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = kind });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new BackfillState(new BackfillCursor(reader.GetInt64(0), reader.GetInt32(1)), reader.GetInt64(2), reader.GetInt64(3), reader.GetBoolean(4))
            : null;
    }

    /// <summary>
    /// Moves the cursor past the items just re-embedded and stores the counts: <paramref name="done"/> of
    /// <paramref name="total"/> (the caller keeps done within total).
    /// </summary>
    public static async Task AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, string kind,
        BackfillCursor cursor, long done, long total, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            update brewclip.backfills set cursor_id = $3, cursor_segment = $4, done = $5, total = $6, updated_at = now()
            where model_version = $1 and kind = $2
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = cursor.Id });
        command.Parameters.Add(new() { Value = cursor.Segment });
        command.Parameters.Add(new() { Value = done });
        command.Parameters.Add(new() { Value = total });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks a backfill complete with its final counts: every item it re-embeds has the version's vector, so done is the total.</summary>
    public static async Task FinishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, string kind, long total, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            update brewclip.backfills set done = $3, total = $3, finished_at = now(), updated_at = now()
            where model_version = $1 and kind = $2
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = total });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
