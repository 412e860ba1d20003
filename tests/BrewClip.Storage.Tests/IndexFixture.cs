using System.Security.Cryptography;
using System.Text;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;

namespace BrewClip.Storage.Tests;

/// <summary>Rows for images and recordings (with segments) in a test database, made with plain SQL.</summary>
internal static class IndexFixture
{
    /// <summary>Where the i-th image and recording were "seen": source <c>fixture</c>, at these keys.</summary>
    public static string ImageKey(int i) => $"images/{i}.png";

    public static string RecordingKey(int i) => $"audio/{i}.wav";

    public static async Task<long[]> AddImagesAsync(TestDatabase db, int count)
    {
        await AddSourceAsync(db, "fixture");
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            await using var command = db.DataSource.CreateCommand("""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values ($1, 'image', 'accepted', 1) returning id),
                     s as (insert into brewclip.media_sources (source_name, object_key, media_id) select 'fixture', $2, id from m)
                insert into brewclip.images (media_id, image_uri) select id, 'file:///images/' || id from m returning id
                """);
            command.Parameters.Add(new() { Value = Hash("image", i) });
            command.Parameters.Add(new() { Value = ImageKey(i) });
            ids[i] = (long)(await command.ExecuteScalarAsync())!;
        }
        return ids;
    }

    /// <summary>Adds recordings with the given number of 30-second segments each; returns their ids.</summary>
    public static async Task<long[]> AddRecordingsAsync(TestDatabase db, IReadOnlyList<int> segmentCounts)
    {
        await AddSourceAsync(db, "fixture");
        var ids = new long[segmentCounts.Count];
        for (var i = 0; i < segmentCounts.Count; i++)
        {
            await using var command = db.DataSource.CreateCommand("""
                with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values ($1, 'audio', 'accepted', 1) returning id),
                     p as (insert into brewclip.media_sources (source_name, object_key, media_id) select 'fixture', $3, id from m),
                     r as (insert into brewclip.recordings (media_id, pcm_uri, duration_seconds) select id, 'file:///pcm/' || id, $2 * 30 from m returning id),
                     s as (insert into brewclip.recording_segments (recording_id, segment_index, start_seconds, end_seconds)
                           select r.id, g, g * 30, g * 30 + 30 from r, generate_series(0, $2 - 1) g)
                select id from r
                """);
            command.Parameters.Add(new() { Value = Hash("recording", i) });
            command.Parameters.Add(new() { Value = segmentCounts[i] });
            command.Parameters.Add(new() { Value = RecordingKey(i) });
            ids[i] = (long)(await command.ExecuteScalarAsync())!;
        }
        return ids;
    }

    public static async Task AddSourceAsync(TestDatabase db, string name)
    {
        await using var command = db.DataSource.CreateCommand(
            "insert into brewclip.sources (name, kind, location) values ($1, 'folder', '/' || $1) on conflict do nothing");
        command.Parameters.Add(new() { Value = name });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The transcript of a recording, which is also the text of its first segment.</summary>
    public static async Task AddTranscriptAsync(TestDatabase db, long recordingId, string text)
    {
        await using var command = db.DataSource.CreateCommand(
            """
            with t as (insert into brewclip.transcripts (recording_id, source, language, text) values ($1, 'sidecar', 'en', $2))
            update brewclip.recording_segments set text = $2 where recording_id = $1 and segment_index = 0
            """);
        command.Parameters.Add(new() { Value = recordingId });
        command.Parameters.Add(new() { Value = text });
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<Dictionary<long, float[]>> WriteImageVectorsAsync(TestDatabase db, int version, long[] imageIds, int seed, int width = 512)
    {
        var vectors = RandomVectors.Unit(imageIds.Length, width, seed);
        await new VectorIndexWriter(db.DataSource).UpsertImageVectorsAsync(version,
            imageIds.Select((id, i) => new ImageVector(id, vectors[i])).ToList());
        return imageIds.Select((id, i) => (id, RandomVectors.RoundToHalf(vectors[i]))).ToDictionary();
    }

    public static async Task<Dictionary<(long, int), float[]>> WriteAudioVectorsAsync(
        TestDatabase db, int version, long[] recordingIds, IReadOnlyList<int> segmentCounts, int seed, int width = 512)
    {
        var keys = recordingIds.SelectMany((id, i) => Enumerable.Range(0, segmentCounts[i]).Select(s => (id, s))).ToList();
        var vectors = RandomVectors.Unit(keys.Count, width, seed);
        await new VectorIndexWriter(db.DataSource).UpsertAudioVectorsAsync(version,
            keys.Select((k, i) => new AudioSegmentVector(k.id, k.s, vectors[i])).ToList());
        return keys.Select((k, i) => (k, RandomVectors.RoundToHalf(vectors[i]))).ToDictionary();
    }

    private static byte[] Hash(string kind, int i) => SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}-{i}"));
}
