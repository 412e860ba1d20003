using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>The files of a source that are not read, with why (<c>brewclip.skipped_objects</c>).</summary>
public sealed class SkippedStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores the files of a source that are not read, with why, and returns those stored for the first time (or with
    /// another reason), to log once. With <paramref name="complete"/> (a folder's whole listing), rows of files no
    /// longer there are removed.
    /// </summary>
    public async Task<IReadOnlyList<(string Key, string Reason)>> RecordSkippedAsync(string source, IReadOnlyDictionary<string, string> skipped, bool complete, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            with given as (select * from unnest($2::text[], $3::text[]) as g (object_key, reason)),
            gone as (
                delete from brewclip.skipped_objects s
                where $4 and s.source_name = $1 and not exists (select 1 from given g where g.object_key = s.object_key)),
            stored as (
                insert into brewclip.skipped_objects as s (source_name, object_key, reason)
                select $1, object_key, reason from given
                on conflict (source_name, object_key) do update set reason = excluded.reason, seen_at = now()
                    where s.reason is distinct from excluded.reason
                returning object_key, reason)
            select object_key, reason from stored order by object_key
            """);
        command.Parameters.Add(new() { Value = source });
        command.Parameters.Add(new() { Value = skipped.Keys.ToArray() });
        command.Parameters.Add(new() { Value = skipped.Values.ToArray() });
        command.Parameters.Add(new() { Value = complete });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var stored = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            stored.Add((reader.GetString(0), reader.GetString(1)));
        }
        return stored;
    }
}
