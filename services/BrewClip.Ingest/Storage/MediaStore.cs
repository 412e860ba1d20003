using BrewClip.Contracts;
using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>
/// Media items and what each became (a recording, images, a sidecar read with the audio, a video's pairs), written
/// in one transaction with where the content was seen; returns what to announce once committed.
/// </summary>
public sealed class MediaStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// When this content is already a media item: records the new place it was seen and returns the item's id, with
    /// the messages to publish once committed: none, unless the content had been replaced everywhere it was and so
    /// lost its vectors; then it is accepted again and its recordings and images are announced again.
    /// </summary>
    public async Task<(long Id, IngestAnnouncements Messages)?> RecordIfKnownAsync(ObjectRef seen, byte[] contentHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("select id from brewclip.media where content_hash = $1", connection, transaction);
        command.Parameters.Add(new() { Value = contentHash });
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long id)
        {
            return null;
        }
        await MediaPlaces.RecordSeenAsync(connection, transaction, seen, id, cancellationToken).ConfigureAwait(false);
        var messages = new IngestAnnouncements();
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
    private static async Task AnnounceAgainAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long mediaId, IngestAnnouncements messages, CancellationToken cancellationToken)
    {
        await using (var recordings = new NpgsqlCommand("""
            select r.id from brewclip.recordings r where r.media_id = $1
            """, connection, transaction))
        {
            recordings.Parameters.Add(new() { Value = mediaId });
            await using var reader = await recordings.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                messages.Recordings.Add(new RecordingIngested(reader.GetInt64(0)));
            }
        }
        await using var images = new NpgsqlCommand(
            "select id from brewclip.images where media_id = $1 order by id", connection, transaction);
        images.Parameters.Add(new() { Value = mediaId });
        await using var rows = await images.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Images.Add(new ImageIngested(rows.GetInt64(0)));
        }
    }

    /// <summary>
    /// Writes a new media item and everything it became in one transaction, and returns the messages to
    /// publish once it has committed. When another worker stored the same content first, only the place
    /// is recorded and there is nothing to publish.
    /// </summary>
    public async Task<IngestAnnouncements> SaveAsync(ObjectRef seen, NewMedia media, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var messages = new IngestAnnouncements();
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
                return existing is null ? throw new InvalidOperationException("The media row vanished while it was being recorded.") : new IngestAnnouncements();
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
            messages.Recordings.Add(new RecordingIngested(recordingId.Value));
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
            messages.Images.Add(new ImageIngested(imageId));
            if (recordingId is not null && image.FrameIndex is not null)
            {
                await PairStore.PairVideoFrameAsync(connection, transaction, recordingId.Value, imageId, cancellationToken).ConfigureAwait(false);
            }
        }
        await MediaPlaces.RecordSeenAsync(connection, transaction, seen, mediaId, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return messages;
    }
}
