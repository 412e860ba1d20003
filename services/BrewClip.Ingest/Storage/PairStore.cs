using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>
/// Training pairs and the pair lists' claims: a pairs.csv's rows, a recording and stills sharing a stem, a video's
/// audio and its frames. Pair inserts take their group's train or validation side from the table's trigger.
/// </summary>
public sealed class PairStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Records the rows of a pair list as claims and pairs those whose two sides have arrived; the rest
    /// pair when their second side is ingested. Returns how many claims were new.
    /// </summary>
    public async Task<int> ClaimPairsAsync(string source, IReadOnlyList<(string AudioKey, string ImageKey)> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockPairListsAsync(connection, transaction, source, exclusive: true, cancellationToken).ConfigureAwait(false);
        await using var claim = new NpgsqlCommand("""
            insert into brewclip.pair_claims (source_name, audio_key, image_key, origin)
            select $1, a, i, 'pairs_csv' from unnest($2::text[], $3::text[]) as rows (a, i)
            on conflict (source_name, audio_key, image_key) do nothing
            """, connection, transaction);
        claim.Parameters.Add(new() { Value = source });
        claim.Parameters.Add(new() { Value = rows.Select(row => row.AudioKey).ToArray() });
        claim.Parameters.Add(new() { Value = rows.Select(row => row.ImageKey).ToArray() });
        var added = await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await ResolveClaimsAsync(connection, transaction, source, null, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    // Media commits of a source share this lock and pair lists take it alone, so a claim and the side
    // that completes it never commit unseen by each other.
    internal static async Task LockPairListsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, bool exclusive, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            exclusive ? "select pg_advisory_xact_lock(hashtextextended('pairs:' || $1, 7))" : "select pg_advisory_xact_lock_shared(hashtextextended('pairs:' || $1, 7))",
            connection, transaction);
        command.Parameters.Add(new() { Value = source });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Open claims of the source (those naming <paramref name="key"/>, or all) whose recording and image both exist become pairs.</summary>
    internal static async Task ResolveClaimsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, string? key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            with ready as (
                select c.id as claim_id, r.id as recording_id, i.id as image_id
                from brewclip.pair_claims c
                join brewclip.media_sources a on a.source_name = c.source_name and a.object_key = c.audio_key
                join brewclip.recordings r on r.media_id = a.media_id
                join brewclip.media_sources b on b.source_name = c.source_name and b.object_key = c.image_key
                join brewclip.images i on i.media_id = b.media_id and i.frame_index is null
                where c.source_name = $1 and c.pair_id is null and ($2::text is null or c.audio_key = $2 or c.image_key = $2)
            ), paired as (
                insert into brewclip.pairs (recording_id, image_id, origin, split)
                select distinct recording_id, image_id, 'pairs_csv', 'train' from ready
                on conflict (recording_id, image_id) do update set origin = brewclip.pairs.origin
                returning id, recording_id, image_id
            )
            update brewclip.pair_claims c set pair_id = paired.id
            from ready join paired using (recording_id, image_id)
            where c.id = ready.claim_id
            """, connection, transaction);
        command.Parameters.Add(new() { Value = source });
        command.Parameters.Add(new() { Value = (object?)key ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pairs what was just seen with what shares its stem in the same source: an audio recording with still images.</summary>
    internal static async Task PairByStemAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ObjectRef seen, CancellationToken cancellationToken)
    {
        await using var pair = new NpgsqlCommand("""
            insert into brewclip.pairs (recording_id, image_id, origin, split)
            select r.id, i.id, 'stem', 'train'
            from brewclip.media_sources s
            join brewclip.media_sources o on o.source_name = s.source_name and o.stem = s.stem and o.object_key <> s.object_key
            join brewclip.media am on am.id in (s.media_id, o.media_id) and am.kind = 'audio'
            join brewclip.recordings r on r.media_id = am.id
            join brewclip.images i on i.media_id in (s.media_id, o.media_id) and i.media_id <> am.id and i.frame_index is null
            where s.source_name = $1 and s.object_key = $2
            on conflict (recording_id, image_id) do nothing
            """, connection, transaction);
        pair.Parameters.Add(new() { Value = seen.Source });
        pair.Parameters.Add(new() { Value = seen.Key });
        await pair.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A video's audio pairs with each of its frames; the pairs take their group's side after the insert (0015_group_splits.sql).</summary>
    internal static async Task PairVideoFrameAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long recordingId, long imageId, CancellationToken cancellationToken)
    {
        await using var pair = new NpgsqlCommand(
            "insert into brewclip.pairs (recording_id, image_id, origin, split) values ($1, $2, 'video', 'train') on conflict do nothing",
            connection, transaction);
        pair.Parameters.Add(new() { Value = recordingId });
        pair.Parameters.Add(new() { Value = imageId });
        await pair.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
