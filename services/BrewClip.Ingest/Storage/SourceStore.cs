using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>Ingest's sources: each watched folder or bucket, its listing cursor, when it was last caught up, and the keys already read.</summary>
public sealed class SourceStore(NpgsqlDataSource dataSource)
{
    public async Task EnsureSourceAsync(string name, string kind, string location, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            insert into brewclip.sources (name, kind, location) values ($1, $2, $3)
            on conflict (name) do update set kind = excluded.kind, location = excluded.location, updated_at = now()
            where (sources.kind, sources.location) is distinct from (excluded.kind, excluded.location)
            """);
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = location });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> CursorAsync(string source, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select cursor from brewclip.sources where name = $1");
        command.Parameters.Add(new() { Value = source });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>Moves a source's listing cursor forward (never back).</summary>
    public async Task AdvanceCursorAsync(string source, string cursor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update brewclip.sources set cursor = $2, updated_at = now()
            where name = $1 and (cursor is null or cursor collate "C" < $2 collate "C")
            """);
        command.Parameters.Add(new() { Value = source });
        command.Parameters.Add(new() { Value = cursor });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records that a scan of the source that began at <paramref name="scanStarted"/> found nothing left to read:
    /// everything the source held then has been read and its messages published.
    /// </summary>
    public async Task MarkCaughtUpAsync(string source, DateTimeOffset scanStarted, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update brewclip.sources set caught_up_at = $2
            where name = $1 and (caught_up_at is null or caught_up_at < $2)
            """);
        command.Parameters.Add(new() { Value = source });
        command.Parameters.Add(new() { Value = scanStarted });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every key of a source already read, with the version tag it had then.</summary>
    public async Task<Dictionary<string, string?>> SeenAsync(string source, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select object_key, etag from brewclip.media_sources where source_name = $1");
        command.Parameters.Add(new() { Value = source });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var seen = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            seen[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        return seen;
    }
}
