using BrewClip.Models.Training;
using Npgsql;

namespace BrewClip.Training.Data;

/// <summary>
/// Reads a split's pairs whose two sides have cached features, as recording-image groups: a still image's
/// pair, or a video's recording with all its frames in order. Only accepted media count (a replaced file's
/// pairs are not trained on), only recordings that reached 'embedded' (their text features are cached), and
/// only pairs that existed when the run started, so a resumed run sees the data it started with. Features are those of
/// the active version's CLIP: during a change of model, items the new CLIP embedded again wait for it to become active.
/// </summary>
internal sealed class TrainingPairs(NpgsqlDataSource dataSource)
{
    public sealed record Loaded(List<PairGroup> Groups, int WithoutFeatures);

    public async Task<Loaded> LoadAsync(string split, DateTime asOf, CancellationToken cancellationToken)
    {
        var frames = new Dictionary<(long Recording, long Media), List<FrameFeatures>>();
        await using (var command = dataSource.CreateCommand("""
            select p.recording_id, i.media_id, i.id, f.image_embeds, i.frame_start_seconds, i.frame_end_seconds
            from brewclip.pairs p
            join brewclip.images i on i.id = p.image_id
            join brewclip.media im on im.id = i.media_id
            join brewclip.recordings r on r.id = p.recording_id
            join brewclip.media rm on rm.id = r.media_id
            left join brewclip.image_features f on f.image_id = i.id and f.clip_model = (select clip_model from brewclip.model_versions where status = 'active')
            where p.split = $1 and p.created_at <= $2 and im.status = 'accepted' and rm.status = 'accepted'
            order by p.recording_id, i.media_id, i.frame_index nulls first
            """))
        {
            command.Parameters.Add(new() { Value = split });
            command.Parameters.Add(new() { Value = asOf });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetInt64(0), reader.GetInt64(1));
                if (!frames.TryGetValue(key, out var list))
                {
                    frames[key] = list = [];
                }
                // A frame without cached features leaves a hole that would make a video's spans wrong: the group is dropped below.
                list.Add(reader.IsDBNull(3)
                    ? new FrameFeatures(reader.GetInt64(2), [])
                    : new FrameFeatures(reader.GetInt64(2), reader.GetFieldValue<Pgvector.Vector>(3).ToArray(),
                        reader.IsDBNull(4) ? null : reader.GetDouble(4), reader.IsDBNull(5) ? null : reader.GetDouble(5)));
            }
        }

        var recordings = frames.Keys.Select(k => k.Recording).Distinct().ToArray();
        var (segments, incomplete) = await ReadSegmentsAsync("""
            select s.recording_id, s.segment_index, s.start_seconds, s.end_seconds, f.text_embeds, f.text_states_uri, s.encoder_states_uri
            from brewclip.recording_segments s join brewclip.recordings r on r.id = s.recording_id
            left join brewclip.segment_text_features f
              on f.recording_id = s.recording_id and f.segment_index = s.segment_index and f.text = coalesce(s.text, '')
             and f.clip_model = (select clip_model from brewclip.model_versions where status = 'active')
            where s.recording_id = any($1) and r.stage = 'embedded'
            order by s.recording_id, s.segment_index
            """, recordings, cancellationToken).ConfigureAwait(false);

        var groups = new List<PairGroup>();
        var without = 0;
        foreach (var ((recording, media), list) in frames)
        {
            if (incomplete.Contains(recording) || !segments.TryGetValue(recording, out var own) || list.Any(f => f.ImageEmbeds.Length == 0))
            {
                without++;
                continue;
            }
            groups.Add(new PairGroup(recording, media, own, list));
        }
        return new Loaded(groups, without);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> recordings of the index whose segments all have cached features (the lowest ids: the
    /// same ones run after run), from accepted media; none when 0.
    /// </summary>
    public async Task<List<GalleryRecording>> LoadRecordingGalleryAsync(int limit, CancellationToken cancellationToken)
    {
        if (limit == 0)
        {
            return [];
        }
        var (segments, incomplete) = await ReadSegmentsAsync("""
            with chosen as (
                select r.id from brewclip.recordings r join brewclip.media m on m.id = r.media_id
                where r.stage = 'embedded' and m.status = 'accepted'
                order by r.id limit $1)
            select s.recording_id, s.segment_index, s.start_seconds, s.end_seconds, f.text_embeds, f.text_states_uri, s.encoder_states_uri
            from chosen c join brewclip.recording_segments s on s.recording_id = c.id
            left join brewclip.segment_text_features f
              on f.recording_id = s.recording_id and f.segment_index = s.segment_index and f.text = coalesce(s.text, '')
             and f.clip_model = (select clip_model from brewclip.model_versions where status = 'active')
            order by s.recording_id, s.segment_index
            """, limit, cancellationToken).ConfigureAwait(false);
        return [.. segments.Where(r => !incomplete.Contains(r.Key)).OrderBy(r => r.Key).Select(r => new GalleryRecording(r.Key, r.Value))];
    }

    /// <summary>
    /// Segments with their cached features by recording, from a query of (recording, index, start, end, text embeds,
    /// text states URI, encoder states URI) with one parameter; a recording with any segment lacking them is incomplete.
    /// </summary>
    private async Task<(Dictionary<long, List<SegmentFeatures>> Segments, HashSet<long> Incomplete)> ReadSegmentsAsync(string sql, object parameter,
        CancellationToken cancellationToken)
    {
        var segments = new Dictionary<long, List<SegmentFeatures>>();
        var incomplete = new HashSet<long>();
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var recording = reader.GetInt64(0);
            if (reader.IsDBNull(4) || reader.IsDBNull(5) || reader.IsDBNull(6))
            {
                incomplete.Add(recording);
                continue;
            }
            if (!segments.TryGetValue(recording, out var list))
            {
                segments[recording] = list = [];
            }
            list.Add(new SegmentFeatures(reader.GetInt32(1), reader.GetDouble(2), reader.GetDouble(3),
                reader.GetFieldValue<Pgvector.Vector>(4).ToArray(),
                reader.GetString(5), reader.GetString(6))); // artifact URIs, read through the store (StoreSegmentReader)
        }
        return (segments, incomplete);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> images of the index that may hold vectors and have cached features (the lowest
    /// ids: the same ones run after run), grouped by their media as a video's frames are one answer; none when 0.
    /// </summary>
    public async Task<List<GalleryImage>> LoadGalleryAsync(int limit, CancellationToken cancellationToken)
    {
        var gallery = new List<GalleryImage>();
        if (limit == 0)
        {
            return gallery;
        }
        await using var command = dataSource.CreateCommand("""
            select i.media_id, i.id, f.image_embeds
            from (select image_id, image_embeds from brewclip.backfill_images
                  where clip_model = (select clip_model from brewclip.model_versions where status = 'active') order by image_id limit $1) f
            join brewclip.images i on i.id = f.image_id
            order by i.media_id, i.frame_index nulls first
            """);
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        List<FrameFeatures>? frames = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var media = reader.GetInt64(0);
            if (gallery.Count == 0 || gallery[^1].Key != media)
            {
                gallery.Add(new GalleryImage(media, frames = []));
            }
            frames!.Add(new FrameFeatures(reader.GetInt64(1), reader.GetFieldValue<Pgvector.Vector>(2).ToArray()));
        }
        return gallery;
    }
}
