using System.Text.Json;
using Npgsql;
using BrewClip.Storage.Stages;

namespace BrewClip.Transcription;

/// <summary>
/// The recordings and the sidecar transcripts Ingest stored (read), and what this service is the one writer of: the
/// 30-second segments and the transcripts; the recording's stage moves through <see cref="ItemStages"/>.
/// </summary>
internal sealed class RecordingStore(NpgsqlDataSource dataSource)
{
    public async Task<RecordingRow?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select id, pcm_uri, duration_seconds, stage from brewclip.recordings where id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new RecordingRow(reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2), reader.GetString(3))
            : null;
    }

    /// <summary>The windows an earlier run wrote, with their cached encoder states (text left empty), in order.</summary>
    public async Task<List<TranscribedWindow>> CachedWindowsAsync(long recordingId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select segment_index, start_seconds, end_seconds, encoder_states_uri, encoder_frames, encoder_width
            from brewclip.recording_segments
            where recording_id = $1 and encoder_states_uri is not null and encoder_frames is not null and encoder_width is not null
            order by segment_index
            """);
        command.Parameters.Add(new() { Value = recordingId });
        var windows = new List<TranscribedWindow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            windows.Add(new TranscribedWindow(reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2), "", reader.GetString(3), reader.GetInt32(4), reader.GetInt32(5)));
        }
        return windows;
    }

    public async Task<SidecarTranscript?> SidecarAsync(long recordingId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select text, segments::text from brewclip.sidecar_transcripts where recording_id = $1");
        command.Parameters.Add(new() { Value = recordingId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        using var segments = JsonDocument.Parse(reader.GetString(1));
        var timed = segments.RootElement.ValueKind == JsonValueKind.Array
            ? segments.RootElement.EnumerateArray()
                .Where(s => s.TryGetProperty("start", out _) && s.TryGetProperty("end", out _) && s.TryGetProperty("text", out _))
                .Select(s => new TimedText(s.GetProperty("start").GetDouble(), s.GetProperty("end").GetDouble(), s.GetProperty("text").GetString() ?? ""))
                .ToList()
            : [];
        return new SidecarTranscript(reader.GetString(0), timed, reader.GetString(1));
    }

    /// <summary>
    /// Writes the windows and the recording's transcript (the sidecar's, verbatim, when <paramref name="sidecar"/> was
    /// used; else Whisper's) and moves the recording to 'transcribed', in one transaction. A window whose text changed
    /// no longer matches the text its CLIP features were computed from (segment_text_features keeps it), so
    /// AcousticEmbedding computes them again. Returns false, writing nothing, when the sidecar transcript is no longer
    /// the one used (one arrived, or was rewritten, while this ran): the message Ingest published with it transcribes
    /// the recording again. The recording's row is locked first, as Ingest locks it to store a sidecar, so the check
    /// cannot miss one.
    /// </summary>
    public async Task<bool> SaveAsync(long recordingId, IReadOnlyList<TranscribedWindow> windows, SidecarTranscript? sidecar, string? language,
        IReadOnlyList<TimedText>? timedSegments, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var check = new NpgsqlCommand("""
            select t.text, t.segments::text from brewclip.recordings r
            left join brewclip.sidecar_transcripts t on t.recording_id = r.id
            where r.id = $1 for update of r
            """, connection, transaction))
        {
            check.Parameters.Add(new() { Value = recordingId });
            bool same;
            await using (var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                // The stored form is compared (jsonb's text is canonical), so an unchanged sidecar always matches.
                same = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && (reader.IsDBNull(0)
                    ? sidecar is null
                    : sidecar is not null && sidecar.Text == reader.GetString(0) && sidecar.CuesJson == reader.GetString(1));
            }
            if (!same)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
        }
        foreach (var window in windows)
        {
            await using var command = new NpgsqlCommand("""
                insert into brewclip.recording_segments (recording_id, segment_index, start_seconds, end_seconds, text, encoder_states_uri, encoder_frames, encoder_width)
                values ($1, $2, $3, $4, $5, $6, $7, $8)
                on conflict (recording_id, segment_index) do update set
                    start_seconds = excluded.start_seconds, end_seconds = excluded.end_seconds, text = excluded.text,
                    encoder_states_uri = excluded.encoder_states_uri, encoder_frames = excluded.encoder_frames, encoder_width = excluded.encoder_width
                """, connection, transaction);
            command.Parameters.Add(new() { Value = recordingId });
            command.Parameters.Add(new() { Value = window.Index });
            command.Parameters.Add(new() { Value = window.Start });
            command.Parameters.Add(new() { Value = window.End });
            command.Parameters.Add(new() { Value = window.Text });
            command.Parameters.Add(new() { Value = window.EncoderStatesUri });
            command.Parameters.Add(new() { Value = window.Frames });
            command.Parameters.Add(new() { Value = window.Width });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var transcript = new NpgsqlCommand("""
            insert into brewclip.transcripts (recording_id, source, language, text, segments) values ($1, $2, $3, $4, $5::jsonb)
            on conflict (recording_id) do update set
                source = excluded.source, language = coalesce(excluded.language, brewclip.transcripts.language), text = excluded.text,
                segments = excluded.segments, created_at = now()
            """, connection, transaction))
        {
            transcript.Parameters.Add(new() { Value = recordingId });
            transcript.Parameters.Add(new() { Value = sidecar is null ? "whisper" : "sidecar" });
            transcript.Parameters.Add(new() { Value = (object?)language ?? DBNull.Value });
            transcript.Parameters.Add(new() { Value = sidecar?.Text ?? string.Join(' ', windows.Select(w => w.Text).Where(t => t.Length > 0)) });
            transcript.Parameters.Add(new() { Value = sidecar?.CuesJson ?? JsonSerializer.Serialize(
                (timedSegments ?? windows.Select(w => new TimedText(w.Start, w.End, w.Text)).ToList())
                .Select(s => new { start = s.Start, end = s.End, text = s.Text })) });
            await transcript.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await ItemStages.Recording.MoveAsync(connection, transaction, [recordingId], [RecordingStage.Ingested], RecordingStage.Transcribed,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task MarkFailedAsync(long recordingId, string reason, CancellationToken cancellationToken)
    {
        // A recording Transcription has passed on is no longer its to fail.
        await ItemStages.Recording.MoveAsync(dataSource, [recordingId], [RecordingStage.Ingested, RecordingStage.Failed], RecordingStage.Failed, reason,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
