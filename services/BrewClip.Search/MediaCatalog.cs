using BrewClip.Storage.Artifacts;
using Npgsql;

namespace BrewClip.Search;

/// <summary>What the API says about a media item, and where its stored content is.</summary>
public sealed class MediaCatalog(NpgsqlDataSource dataSource, IArtifactStore artifacts)
{
    public sealed record Place(string Source, string Key, DateTimeOffset SeenAt);

    public sealed record Segment(int Index, double Start, double End, string? Text);

    public sealed record Recording(long Id, string Stage, double DurationSeconds, string? Transcript, string? TranscriptSource, string? Language, IReadOnlyList<Segment> Segments);

    public sealed record Image(long Id, int? FrameIndex, double? FrameTime, double? FrameStart, double? FrameEnd, int? Width, int? Height, string Stage, string ContentUrl);

    public sealed record Media(long Id, string Kind, string Status, string? RejectionReason, long SizeBytes, string? Format, double? DurationSeconds,
        DateTimeOffset IngestedAt, IReadOnlyList<Place> Places, Recording? Recording, IReadOnlyList<Image> Images, string? ContentUrl);

    public async Task<Media?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        Media media;
        await using (var command = new NpgsqlCommand(
            "select kind, status, rejection_reason, size_bytes, container_format, duration_seconds, created_at from brewclip.media where id = $1", connection))
        {
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            media = new Media(id, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetDouble(5), reader.GetFieldValue<DateTimeOffset>(6), [], null, [], null);
        }
        var places = new List<Place>();
        await using (var command = new NpgsqlCommand(
            "select source_name, object_key, seen_at from brewclip.media_sources where media_id = $1 order by seen_at desc, source_name, object_key", connection))
        {
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                places.Add(new Place(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }
        var recording = await RecordingAsync(connection, id, cancellationToken).ConfigureAwait(false);
        var images = new List<Image>();
        await using (var command = new NpgsqlCommand("""
            select id, frame_index, frame_time_seconds, frame_start_seconds, frame_end_seconds, width, height, stage
            from brewclip.images where media_id = $1 order by frame_index nulls first
            """, connection))
        {
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                images.Add(new Image(reader.GetInt64(0), OptionalInt(reader, 1), OptionalDouble(reader, 2), OptionalDouble(reader, 3), OptionalDouble(reader, 4),
                    OptionalInt(reader, 5), OptionalInt(reader, 6), reader.GetString(7), ImageContentUrl(reader.GetInt64(0))));
            }
        }
        var hasContent = recording is not null || images.Any(i => i.FrameIndex is null);
        return media with { Places = places, Recording = recording, Images = images, ContentUrl = hasContent ? MediaContentUrl(id) : null };
    }

    /// <summary>The stored file a media item's content URL serves: a still's image, else its recording's 16 kHz audio.</summary>
    public async Task<(LocalArtifact File, string ContentType)?> MediaContentAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select uri, type from (
                select i.image_uri as uri, 'image/png' as type, 0 as rank from brewclip.images i where i.media_id = $1 and i.frame_index is null
                union all
                select r.pcm_uri, 'audio/wav', 1 from brewclip.recordings r where r.media_id = $1) c
            order by rank limit 1
            """);
        command.Parameters.Add(new() { Value = id });
        return await ContentAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stored image of a still or a video frame.</summary>
    public async Task<(LocalArtifact File, string ContentType)?> ImageContentAsync(long imageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select image_uri, 'image/png' from brewclip.images where id = $1");
        command.Parameters.Add(new() { Value = imageId });
        return await ContentAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public static string MediaContentUrl(long mediaId) => $"/api/media/{mediaId}/content";

    public static string ImageContentUrl(long imageId) => $"/api/images/{imageId}/content";

    private static async Task<Recording?> RecordingAsync(NpgsqlConnection connection, long mediaId, CancellationToken cancellationToken)
    {
        Recording recording;
        await using (var command = new NpgsqlCommand("""
            select r.id, r.stage, r.duration_seconds, t.text, t.source, t.language
            from brewclip.recordings r left join brewclip.transcripts t on t.recording_id = r.id where r.media_id = $1
            """, connection))
        {
            command.Parameters.Add(new() { Value = mediaId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            recording = new Recording(reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2), OptionalText(reader, 3), OptionalText(reader, 4), OptionalText(reader, 5), []);
        }
        var segments = new List<Segment>();
        await using (var command = new NpgsqlCommand(
            "select segment_index, start_seconds, end_seconds, text from brewclip.recording_segments where recording_id = $1 order by segment_index", connection))
        {
            command.Parameters.Add(new() { Value = recording.Id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                segments.Add(new Segment(reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2), OptionalText(reader, 3)));
            }
        }
        return recording with { Segments = segments };
    }

    /// <summary>The stored file a row names, as a local file for the response (a download is deleted with it), and its content type.</summary>
    private async Task<(LocalArtifact File, string ContentType)?> ContentAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        string uri, contentType;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            (uri, contentType) = (reader.GetString(0), reader.GetString(1));
        }
        try
        {
            return (await artifacts.FetchAsync(uri, cancellationToken).ConfigureAwait(false), contentType);
        }
        catch (Exception e) when (e is NotSupportedException or FileNotFoundException)
        {
            return null;
        }
    }

    private static int? OptionalInt(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt32(column);

    private static double? OptionalDouble(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);

    private static string? OptionalText(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
