using BrewClip.Contracts;
using BrewClip.Media;
using BrewClip.Storage.Stages;
using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>Sidecar transcripts that arrive after their audio (one beside the audio on arrival is stored with it by <see cref="MediaStore"/>).</summary>
public sealed class SidecarStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// A sidecar transcript seen after its audio (or beside a second copy of it): the recordings of audio media
    /// seen in <paramref name="source"/> under the sidecar's stem, whose transcript is not already this one,
    /// take it as their ground truth and go back to the ingested stage, so they are transcribed and embedded
    /// again from it. Returns their RecordingIngested messages, to publish after the commit.
    /// </summary>
    public async Task<IngestAnnouncements> ApplySidecarAsync(string source, string sidecarKey, SidecarTranscript transcript, CancellationToken cancellationToken)
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
        var messages = new IngestAnnouncements();
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
        messages.Recordings.AddRange(reset.Moved.Select(id => new RecordingIngested(id)));
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return messages;
    }
}
