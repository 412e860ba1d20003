using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Stages;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// A recording's 30-second segments (read: Transcription writes them), the CLIP text features of their text (this
/// service is segment_text_features' one writer), and the recording's stage.
/// </summary>
internal sealed class SegmentStore(NpgsqlDataSource dataSource, ServedModels models)
{
    public async Task<List<SegmentRow>> SegmentsAsync(long recordingId, CancellationToken cancellationToken)
    {
        // Every segment, with the features of its current text when this service's CLIP computed them.
        await using var command = dataSource.CreateCommand("""
            select s.recording_id, s.segment_index, coalesce(s.text, ''), f.text_embeds, f.text_states_uri, s.encoder_states_uri, f.clip_model
            from brewclip.recording_segments s
            left join brewclip.segment_text_features f
              on f.recording_id = s.recording_id and f.segment_index = s.segment_index and f.text = coalesce(s.text, '') and f.clip_model = $2
            where s.recording_id = $1 order by s.segment_index
            """);
        command.Parameters.Add(new() { Value = recordingId });
        command.Parameters.Add(new() { Value = models.Clip });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Segments a backfill re-embeds (brewclip.backfill_segments: cached text features, of a recording that may hold
    /// vectors), in (recording, segment) order after a position.
    /// </summary>
    public static async Task<List<SegmentRow>> FeaturedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long recordingId, int segmentIndex, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            select {Columns} from brewclip.backfill_segments
            where (recording_id, segment_index) > ($1, $2)
            order by recording_id, segment_index limit $3
            """, connection, transaction);
        command.Parameters.Add(new() { Value = recordingId });
        command.Parameters.Add(new() { Value = segmentIndex });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Segments a backfill re-embeds that have no vector of a version, in order.</summary>
    public static async Task<List<SegmentRow>> FeaturedWithoutVectorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        int version, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            select {Columns} from brewclip.backfill_segments s
            where not exists (select 1 from brewclip.audio_vectors v
                              where v.model_version = $1 and v.recording_id = s.recording_id and v.segment_index = s.segment_index)
            order by recording_id, segment_index limit $2
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Of the given segments, those a backfill re-embeds that still have no vector of a version.</summary>
    public static async Task<List<(long RecordingId, int Index)>> StillWithoutVectorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        int version, IReadOnlyCollection<SegmentRow> rows, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select s.recording_id, s.segment_index from unnest($2::bigint[], $3::integer[]) as k (recording_id, segment_index)
            join brewclip.backfill_segments s using (recording_id, segment_index)
            where not exists (select 1 from brewclip.audio_vectors v
                              where v.model_version = $1 and v.recording_id = s.recording_id and v.segment_index = s.segment_index)
            order by 1, 2
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = rows.Select(r => r.RecordingId).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Index).ToArray() });
        var missing = new List<(long, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            missing.Add((reader.GetInt64(0), reader.GetInt32(1)));
        }
        return missing;
    }

    /// <summary>The segments a backfill re-embeds, and how many of them have a vector of a version.</summary>
    public static async Task<(long Done, long Total)> CountFeaturedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select count(v.recording_id), count(*) from brewclip.backfill_segments s
            left join brewclip.audio_vectors v on v.model_version = $1 and v.recording_id = s.recording_id and v.segment_index = s.segment_index
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private const string Columns = "recording_id, segment_index, text, text_embeds, text_states_uri, encoder_states_uri, clip_model";

    private static async Task<List<SegmentRow>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<SegmentRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new SegmentRow(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<Pgvector.Vector>(3).ToArray(),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return rows;
    }

    /// <summary>The CLIP text features of a segment's text, replacing those of any text (or any CLIP) it had before.</summary>
    public async Task SaveTextFeaturesAsync(long recordingId, int index, string text, float[] textEmbeds, string tokenStatesUri, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            insert into brewclip.segment_text_features (recording_id, segment_index, text, text_embeds, text_states_uri, clip_model)
            values ($1, $2, $5, $3, $4, $6)
            on conflict (recording_id, segment_index) do update set
                text = excluded.text, text_embeds = excluded.text_embeds, text_states_uri = excluded.text_states_uri,
                clip_model = excluded.clip_model, created_at = now()
            """);
        command.Parameters.Add(new() { Value = recordingId });
        command.Parameters.Add(new() { Value = index });
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(textEmbeds) });
        command.Parameters.Add(new() { Value = tokenStatesUri });
        command.Parameters.Add(new() { Value = text });
        command.Parameters.Add(new() { Value = models.Clip });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkEmbeddedAsync(long recordingId, CancellationToken cancellationToken)
    {
        await ItemStages.Recording.MoveAsync(dataSource, [recordingId], [RecordingStage.Transcribed], RecordingStage.Embedded,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkFailedAsync(long recordingId, string reason, CancellationToken cancellationToken)
    {
        // An embedded recording stays embedded: a late fault changes nothing.
        await ItemStages.Recording.MoveAsync(dataSource, [recordingId], [RecordingStage.Ingested, RecordingStage.Transcribed, RecordingStage.Failed],
            RecordingStage.Failed, reason, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
