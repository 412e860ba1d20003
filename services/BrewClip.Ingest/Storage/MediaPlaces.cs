using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>
/// Where content was seen (<c>media_sources</c>): recorded inside a media transaction, with the pairing that a
/// place's stem and pair lists bring, and the retirement of content a place no longer holds.
/// </summary>
internal static class MediaPlaces
{
    /// <summary>
    /// Records where a content was seen and pairs it with what shares its stem in the same source: an
    /// audio recording with still images. Both sides take the same advisory lock on the stem first, so
    /// whichever commits second sees the other, in either order.
    /// </summary>
    internal static async Task RecordSeenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ObjectRef seen, long mediaId, CancellationToken cancellationToken)
    {
        await using (var lockStem = new NpgsqlCommand(
            "select pg_advisory_xact_lock(hashtextextended($1 || '/' || regexp_replace($2, '\\.[^./]*$', ''), 7))", connection, transaction))
        {
            lockStem.Parameters.Add(new() { Value = seen.Source });
            lockStem.Parameters.Add(new() { Value = seen.Key });
            await lockStem.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await PairStore.LockPairListsAsync(connection, transaction, seen.Source, exclusive: false, cancellationToken).ConfigureAwait(false);
        await UpsertSeenAsync(connection, transaction, seen, mediaId, cancellationToken).ConfigureAwait(false);
        // The two sides of an open claim can commit at once (media share the pair-list lock), each before the
        // other is visible. Locking the open claims that name this object orders them: whichever locks second
        // resolves after the first has committed, and sees its side. In id order, so no two commits wait in a circle.
        await using (var lockClaims = new NpgsqlCommand("""
            select 1 from brewclip.pair_claims
            where source_name = $1 and pair_id is null and (audio_key = $2 or image_key = $2)
            order by id for update
            """, connection, transaction))
        {
            lockClaims.Parameters.Add(new() { Value = seen.Source });
            lockClaims.Parameters.Add(new() { Value = seen.Key });
            await lockClaims.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await PairStore.ResolveClaimsAsync(connection, transaction, seen.Source, seen.Key, cancellationToken).ConfigureAwait(false);
        await PairStore.PairByStemAsync(connection, transaction, seen, cancellationToken).ConfigureAwait(false);
    }

    private static async Task UpsertSeenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ObjectRef seen, long mediaId, CancellationToken cancellationToken)
    {
        long? previous;
        await using (var before = new NpgsqlCommand(
            "select media_id from brewclip.media_sources where source_name = $1 and object_key = $2 for update", connection, transaction))
        {
            before.Parameters.Add(new() { Value = seen.Source });
            before.Parameters.Add(new() { Value = seen.Key });
            previous = await before.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
        }
        await using (var command = new NpgsqlCommand("""
            insert into brewclip.media_sources (source_name, object_key, media_id, etag, size_bytes) values ($1, $2, $3, $4, $5)
            on conflict (source_name, object_key) do update
            set media_id = excluded.media_id, etag = excluded.etag, size_bytes = excluded.size_bytes, seen_at = now()
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = seen.Source });
            command.Parameters.Add(new() { Value = seen.Key });
            command.Parameters.Add(new() { Value = mediaId });
            command.Parameters.Add(new() { Value = (object?)seen.Etag ?? DBNull.Value });
            command.Parameters.Add(new() { Value = seen.SizeBytes });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        if (previous is { } old && old != mediaId)
        {
            await RetireIfUnseenAsync(connection, transaction, old, seen, mediaId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The content a place held before its new content: when no other place holds it, the place is kept as its
    /// former source, and (unless it was rejected) it is marked replaced and its vectors of every version deleted.
    /// The model-version lock, taken exclusively, waits for vector writers in flight (each holds it shared up to
    /// its commit) and the writers skip replaced media, so no vector of it is written after this commits.
    /// </summary>
    private static async Task RetireIfUnseenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long oldMediaId, ObjectRef seen, long newMediaId, CancellationToken cancellationToken)
    {
        await using (var former = new NpgsqlCommand("""
            insert into brewclip.media_former_sources (media_id, source_name, object_key, replaced_by)
            select $1, $2, $3, $4 where not exists (select 1 from brewclip.media_sources where media_id = $1)
            on conflict (media_id, source_name, object_key) do update set replaced_by = excluded.replaced_by, replaced_at = now()
            """, connection, transaction))
        {
            former.Parameters.Add(new() { Value = oldMediaId });
            former.Parameters.Add(new() { Value = seen.Source });
            former.Parameters.Add(new() { Value = seen.Key });
            former.Parameters.Add(new() { Value = newMediaId });
            if (await former.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return; // another place still holds it
            }
        }
        await ModelVersionLock.TakeExclusiveAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using var retire = new NpgsqlCommand(
            "update brewclip.media set status = 'replaced', updated_at = now() where id = $1 and status in ('pending', 'accepted')", connection, transaction);
        retire.Parameters.Add(new() { Value = oldMediaId });
        if (await retire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            await VectorIndexWriter.DeleteMediaVectorsAsync(connection, transaction, oldMediaId, cancellationToken).ConfigureAwait(false);
        }
    }
}
