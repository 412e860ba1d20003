using BrewClip.Storage.Vectors;
using Npgsql;
using BrewClip.Storage.Stages;

namespace BrewClip.AcousticEmbedding;

/// <summary>A recording's 30-second segments, their cached CLIP text features, and the recording's stage.</summary>
internal sealed class SegmentStore(NpgsqlDataSource dataSource)
{
    public async Task<List<SegmentRow>> SegmentsAsync(long recordingId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from brewclip.recording_segments where recording_id = $1 order by segment_index");
        command.Parameters.Add(new() { Value = recordingId });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Segments with cached text features, in (recording, segment) order after a position, for re-embedding.</summary>
    public static async Task<List<SegmentRow>> FeaturedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long recordingId, int segmentIndex, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            select {Columns} from brewclip.recording_segments
            where text_embeds is not null and (recording_id, segment_index) > ($1, $2)
            order by recording_id, segment_index limit $3
            """, connection, transaction);
        command.Parameters.Add(new() { Value = recordingId });
        command.Parameters.Add(new() { Value = segmentIndex });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Segments with cached text features but no vector of a version, in order.</summary>
    public static async Task<List<SegmentRow>> FeaturedWithoutVectorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        int version, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            select {Columns} from brewclip.recording_segments s
            where s.text_embeds is not null
              and not exists (select 1 from brewclip.audio_vectors v
                              where v.model_version = $1 and v.recording_id = s.recording_id and v.segment_index = s.segment_index)
            order by recording_id, segment_index limit $2
            """, connection, transaction);
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<long> CountFeaturedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select count(*) from brewclip.recording_segments where text_embeds is not null", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private const string Columns = "recording_id, segment_index, coalesce(text, ''), text_embeds, text_states_uri, encoder_states_uri";

    private static async Task<List<SegmentRow>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<SegmentRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new SegmentRow(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<Pgvector.Vector>(3).ToArray(),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return rows;
    }

    public async Task SaveTextFeaturesAsync(long recordingId, int index, float[] textEmbeds, string tokenStatesUri, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update brewclip.recording_segments set text_embeds = $3, text_states_uri = $4 where recording_id = $1 and segment_index = $2");
        command.Parameters.Add(new() { Value = recordingId });
        command.Parameters.Add(new() { Value = index });
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(textEmbeds) });
        command.Parameters.Add(new() { Value = tokenStatesUri });
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
