using BrewClip.Contracts;
using BrewClip.Media;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Stages;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.Ingest;

/// <summary>The rows Ingest writes: sources, media, where each was seen, recordings, images and a video's pairs.</summary>
public sealed class IngestStore(NpgsqlDataSource dataSource)
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

    /// <summary>Up to <paramref name="limit"/> images with a stored crop whose CLIP embedding ImageEmbedding has cached: the crop is no longer read.</summary>
    public async Task<List<(long Id, string CropUri)>> CropsNoLongerNeededAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select i.id, i.clip_crop_uri from brewclip.images i
            where i.clip_crop_uri is not null and exists (select 1 from brewclip.image_features f where f.image_id = i.id)
            order by i.id limit $1
            """);
        command.Parameters.Add(new() { Value = limit });
        var crops = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            crops.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return crops;
    }

    /// <summary>The crops of these images are gone: the rows forget them.</summary>
    public async Task ForgetCropsAsync(IReadOnlyCollection<long> imageIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("update brewclip.images set clip_crop_uri = null where id = any($1)");
        command.Parameters.Add(new() { Value = imageIds.ToArray() });
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

    /// <summary>
    /// When this content is already a media item: records the new place it was seen and returns the item's id, with
    /// the messages to publish once committed: none, unless the content had been replaced everywhere it was and so
    /// lost its vectors; then it is accepted again and its recordings and images are announced again.
    /// </summary>
    public async Task<(long Id, IReadOnlyList<object> Messages)?> RecordIfKnownAsync(ObjectRef seen, byte[] contentHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("select id from brewclip.media where content_hash = $1", connection, transaction);
        command.Parameters.Add(new() { Value = contentHash });
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long id)
        {
            return null;
        }
        await RecordSeenAsync(connection, transaction, seen, id, cancellationToken).ConfigureAwait(false);
        var messages = new List<object>();
        await using (var revive = new NpgsqlCommand(
            "update brewclip.media set status = 'accepted', updated_at = now() where id = $1 and status = 'replaced'", connection, transaction))
        {
            revive.Parameters.Add(new() { Value = id });
            if (await revive.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                await AnnounceAgainAsync(connection, transaction, id, messages, cancellationToken).ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (id, messages);
    }

    /// <summary>The messages that send a media item's recordings and images through the services again.</summary>
    private static async Task AnnounceAgainAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long mediaId, List<object> messages, CancellationToken cancellationToken)
    {
        await using (var recordings = new NpgsqlCommand("""
            select r.id from brewclip.recordings r where r.media_id = $1
            """, connection, transaction))
        {
            recordings.Parameters.Add(new() { Value = mediaId });
            await using var reader = await recordings.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                messages.Add(new RecordingIngested(reader.GetInt64(0)));
            }
        }
        await using var images = new NpgsqlCommand(
            "select id from brewclip.images where media_id = $1 order by id", connection, transaction);
        images.Parameters.Add(new() { Value = mediaId });
        await using var rows = await images.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add(new ImageIngested(rows.GetInt64(0)));
        }
    }

    /// <summary>
    /// Writes a new media item and everything it became in one transaction, and returns the messages to
    /// publish once it has committed. When another worker stored the same content first, only the place
    /// is recorded and there is nothing to publish.
    /// </summary>
    public async Task<IReadOnlyList<object>> SaveAsync(ObjectRef seen, NewMedia media, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var messages = new List<object>();
        long mediaId;
        await using (var insert = new NpgsqlCommand("""
            insert into brewclip.media (content_hash, kind, status, rejection_reason, size_bytes, container_format, duration_seconds)
            values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (content_hash) do nothing
            returning id
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = media.ContentHash });
            insert.Parameters.Add(new() { Value = media.Kind });
            insert.Parameters.Add(new() { Value = media.RejectionReason is null ? "accepted" : "rejected" });
            insert.Parameters.Add(new() { Value = (object?)media.RejectionReason ?? DBNull.Value });
            insert.Parameters.Add(new() { Value = media.SizeBytes });
            insert.Parameters.Add(new() { Value = (object?)media.Format ?? DBNull.Value });
            insert.Parameters.Add(new() { Value = (object?)media.DurationSeconds ?? DBNull.Value });
            if (await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long inserted)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                var existing = await RecordIfKnownAsync(seen, media.ContentHash, cancellationToken).ConfigureAwait(false);
                return existing is null ? throw new InvalidOperationException("The media row vanished while it was being recorded.") : [];
            }
            mediaId = inserted;
        }

        long? recordingId = null;
        if (media.Recording is { } recording)
        {
            await using var command = new NpgsqlCommand(
                "insert into brewclip.recordings (media_id, pcm_uri, duration_seconds) values ($1, $2, $3) returning id", connection, transaction);
            command.Parameters.Add(new() { Value = mediaId });
            command.Parameters.Add(new() { Value = recording.PcmUri });
            command.Parameters.Add(new() { Value = recording.DurationSeconds });
            recordingId = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (media.Transcript is { } transcript)
            {
                await using var sidecar = new NpgsqlCommand(
                    "insert into brewclip.sidecar_transcripts (recording_id, text, segments) values ($1, $2, $3::jsonb)", connection, transaction);
                sidecar.Parameters.Add(new() { Value = recordingId.Value });
                sidecar.Parameters.Add(new() { Value = transcript.Text });
                sidecar.Parameters.Add(new() { Value = transcript.CuesJson() });
                await sidecar.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            messages.Add(new RecordingIngested(recordingId.Value));
        }
        foreach (var image in media.Images)
        {
            await using var command = new NpgsqlCommand("""
                insert into brewclip.images (media_id, frame_index, frame_time_seconds, image_uri, clip_crop_uri, width, height,
                                             frame_start_seconds, frame_end_seconds)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id
                """, connection, transaction);
            command.Parameters.Add(new() { Value = mediaId });
            command.Parameters.Add(new() { Value = (object?)image.FrameIndex ?? DBNull.Value });
            command.Parameters.Add(new() { Value = (object?)image.FrameTimeSeconds ?? DBNull.Value });
            command.Parameters.Add(new() { Value = image.ImageUri });
            command.Parameters.Add(new() { Value = (object?)image.ClipCropUri ?? DBNull.Value });
            command.Parameters.Add(new() { Value = (object?)image.Width ?? DBNull.Value });
            command.Parameters.Add(new() { Value = (object?)image.Height ?? DBNull.Value });
            command.Parameters.Add(new() { Value = (object?)image.FrameStartSeconds ?? DBNull.Value });
            command.Parameters.Add(new() { Value = (object?)image.FrameEndSeconds ?? DBNull.Value });
            var imageId = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            messages.Add(new ImageIngested(imageId));
            if (recordingId is not null && image.FrameIndex is not null)
            {
                // A video's audio pairs with each of its frames; the pairs take their group's side after the insert (0015_group_splits.sql).
                await using var pair = new NpgsqlCommand(
                    "insert into brewclip.pairs (recording_id, image_id, origin, split) values ($1, $2, 'video', 'train') on conflict do nothing",
                    connection, transaction);
                pair.Parameters.Add(new() { Value = recordingId.Value });
                pair.Parameters.Add(new() { Value = imageId });
                await pair.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await RecordSeenAsync(connection, transaction, seen, mediaId, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return messages;
    }

    /// <summary>
    /// A sidecar transcript seen after its audio (or beside a second copy of it): the recordings of audio media
    /// seen in <paramref name="source"/> under the sidecar's stem, whose transcript is not already this one,
    /// take it as their ground truth and go back to the ingested stage, so they are transcribed and embedded
    /// again from it. Returns their RecordingIngested messages, to publish after the commit.
    /// </summary>
    public async Task<IReadOnlyList<object>> ApplySidecarAsync(string source, string sidecarKey, SidecarTranscript transcript, CancellationToken cancellationToken)
    {
        var cues = transcript.CuesJson();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var targets = new List<long>();
        await using (var find = new NpgsqlCommand("""
            select r.id from brewclip.media_sources s
            join brewclip.media m on m.id = s.media_id and m.kind = 'audio'
            join brewclip.recordings r on r.media_id = m.id
            where s.source_name = $1 and s.stem = regexp_replace($2, '\.[^./]*$', '') and r.stage <> 'failed'
              and not exists (select 1 from brewclip.sidecar_transcripts t
                              where t.recording_id = r.id and t.text = $3 and t.segments = $4::jsonb)
            order by r.id
            for update of r
            """, connection, transaction))
        {
            find.Parameters.Add(new() { Value = source });
            find.Parameters.Add(new() { Value = sidecarKey });
            find.Parameters.Add(new() { Value = transcript.Text });
            find.Parameters.Add(new() { Value = cues });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                targets.Add(reader.GetInt64(0));
            }
        }
        var messages = new List<object>();
        if (targets.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return messages;
        }
        await using (var upsert = new NpgsqlCommand("""
            insert into brewclip.sidecar_transcripts (recording_id, text, segments)
            select id, $2, $3::jsonb from unnest($1::bigint[]) as id
            on conflict (recording_id) do update set text = excluded.text, segments = excluded.segments, created_at = now()
            """, connection, transaction))
        {
            upsert.Parameters.Add(new() { Value = targets.ToArray() });
            upsert.Parameters.Add(new() { Value = transcript.Text });
            upsert.Parameters.Add(new() { Value = cues });
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // Back to the start, whatever stage they reached: Transcription takes the sidecar's text.
        var reset = await ItemStages.Recording.MoveAsync(connection, transaction, targets,
            [RecordingStage.Ingested, RecordingStage.Transcribed, RecordingStage.Embedded], RecordingStage.Ingested, restart: true,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        messages.AddRange(reset.Moved.Select(id => new RecordingIngested(id)));
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return messages;
    }

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

    /// <summary>
    /// Items that sat at their ingested stage longer than <paramref name="after"/>: their messages, to
    /// publish again. Their stage time is renewed so each is re-published once per timeout, not in a loop.
    /// </summary>
    public async Task<IReadOnlyList<object>> TakeStaleAsync(TimeSpan after, bool recordings, bool images, CancellationToken cancellationToken)
    {
        var messages = new List<object>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (recordings)
        {
            messages.AddRange((await ItemStages.Recording.RestartStaleAsync(connection, RecordingStage.Ingested, after, cancellationToken).ConfigureAwait(false))
                .Select(id => new RecordingIngested(id)));
        }
        if (images)
        {
            messages.AddRange((await ItemStages.Image.RestartStaleAsync(connection, ImageStage.Ingested, after, cancellationToken).ConfigureAwait(false))
                .Select(id => new ImageIngested(id)));
        }
        return messages;
    }

    /// <summary>
    /// Records where a content was seen and pairs it with what shares its stem in the same source: an
    /// audio recording with still images. Both sides take the same advisory lock on the stem first, so
    /// whichever commits second sees the other, in either order.
    /// </summary>
    private static async Task RecordSeenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ObjectRef seen, long mediaId, CancellationToken cancellationToken)
    {
        await using (var lockStem = new NpgsqlCommand(
            "select pg_advisory_xact_lock(hashtextextended($1 || '/' || regexp_replace($2, '\\.[^./]*$', ''), 7))", connection, transaction))
        {
            lockStem.Parameters.Add(new() { Value = seen.Source });
            lockStem.Parameters.Add(new() { Value = seen.Key });
            await lockStem.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await LockPairListsAsync(connection, transaction, seen.Source, exclusive: false, cancellationToken).ConfigureAwait(false);
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
        await ResolveClaimsAsync(connection, transaction, seen.Source, seen.Key, cancellationToken).ConfigureAwait(false);
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
    private static async Task LockPairListsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, bool exclusive, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            exclusive ? "select pg_advisory_xact_lock(hashtextextended('pairs:' || $1, 7))" : "select pg_advisory_xact_lock_shared(hashtextextended('pairs:' || $1, 7))",
            connection, transaction);
        command.Parameters.Add(new() { Value = source });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Open claims of the source (those naming <paramref name="key"/>, or all) whose recording and image both exist become pairs.</summary>
    private static async Task ResolveClaimsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, string? key, CancellationToken cancellationToken)
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
