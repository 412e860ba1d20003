using System.Diagnostics;
using BrewClip.Media;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using Npgsql;
using NpgsqlTypes;

namespace BrewClip.Queries;

/// <summary>
/// Answers a <see cref="SearchQuery"/> with the active model version: the query becomes a vector
/// (<see cref="QueryEmbedder"/>, or the item's stored vector for more-like-this), then the SQL search functions
/// find images and audio moments (audio hybrid with the transcripts when there are words). Searching both, the two
/// lists are interleaved by rank: similarities of text to images and of text to speech are not on one scale.
/// </summary>
public sealed class Searcher(NpgsqlDataSource dataSource, QueryEmbedder embedder)
{
    private readonly ModelVersionReader _versions = new(dataSource);

    public Task<SearchResults> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default)
        => SearchAsync(query, new QueryTimings(), cancellationToken);

    /// <summary>Runs the query; <paramref name="timings"/> gets each stage's time as it goes (also when it fails or is cancelled).</summary>
    public async Task<SearchResults> SearchAsync(SearchQuery query, QueryTimings timings, CancellationToken cancellationToken = default)
    {
        if (query.Problem() is { } problem)
        {
            throw new QueryException(problem);
        }
        var clock = Stopwatch.StartNew();
        var version = await _versions.ActiveAsync(cancellationToken).ConfigureAwait(false);
        var vector = query switch
        {
            { Text: { } text } => await TimedAsync(timings, () => embedder.EmbedTextAsync(text, version, cancellationToken)).ConfigureAwait(false),
            { AudioPath: { } clip } => await embedder.EmbedFileAsync(clip, query.FileName, MediaKind.Audio, version, timings, cancellationToken).ConfigureAwait(false),
            { ImagePath: { } photo } => await embedder.EmbedFileAsync(photo, query.FileName, MediaKind.Image, version, timings, cancellationToken).ConfigureAwait(false),
            { FilePath: { } file } => await embedder.EmbedFileAsync(file, query.FileName, null, version, timings, cancellationToken).ConfigureAwait(false),
            _ => await StoredVectorAsync(query.LikeMedia!.Value, version.Version, cancellationToken).ConfigureAwait(false),
        };
        var embedded = clock.Elapsed.TotalMilliseconds;

        timings.Begin("search");
        var images = query.Target != SearchTarget.Audio && query.MediaKind != "audio"
            ? await ImagesAsync(query, vector, cancellationToken).ConfigureAwait(false) : [];
        var audio = query.Target != SearchTarget.Images && query.MediaKind != "image"
            ? await AudioAsync(query, vector, cancellationToken).ConfigureAwait(false) : [];
        timings.End();
        var hits = images.Select((hit, rank) => (hit, rank)).Concat(audio.Select((hit, rank) => (hit, rank)))
            .OrderBy(h => h.rank).ThenByDescending(h => h.hit.Similarity ?? double.NegativeInfinity)
            .Select(h => h.hit).Take(query.K).ToList();
        return new SearchResults(vector.ModelVersion, hits, vector.Transcript, embedded, clock.Elapsed.TotalMilliseconds - embedded);
    }

    private static async Task<QueryVector> TimedAsync(QueryTimings timings, Func<Task<QueryVector>> embed)
    {
        timings.Begin("embed");
        var vector = await embed().ConfigureAwait(false);
        timings.End();
        return vector;
    }

    private async Task<QueryVector> StoredVectorAsync(long mediaId, int version, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select brewclip.media_vector($1, $2)");
        command.Parameters.Add(new() { Value = mediaId });
        command.Parameters.Add(new() { Value = version });
        try
        {
            return new QueryVector(VectorValues.ToFloats((await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!), version);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.NoDataFound)
        {
            throw new QueryException(e.MessageText, QueryProblem.NotFound);
        }
    }

    private async Task<List<SearchHit>> ImagesAsync(SearchQuery query, QueryVector vector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select image_id, media_id, media_kind, source_name, object_key, frame_start_seconds, frame_end_seconds, frame_time_seconds, similarity
            from brewclip.search_images($1, $2, kind => $3, source => $4, ingested_after => $5, ingested_before => $6,
                                        version => $7, ef_search => $8, exclude_media => $9)
            """);
        AddCommon(command, query, vector);
        var hits = new List<SearchHit>();
        await using var reader = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hits.Add(new SearchHit(reader.IsDBNull(7) ? "image" : "frame", reader.GetInt64(1), reader.GetInt64(0), reader.GetString(2), OptionalText(reader, 3), OptionalText(reader, 4),
                NullableDouble(reader, 5), NullableDouble(reader, 6), NullableDouble(reader, 7), reader.GetDouble(8), reader.GetDouble(8), null));
        }
        return hits;
    }

    private async Task<List<SearchHit>> AudioAsync(SearchQuery query, QueryVector vector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select recording_id, media_id, media_kind, source_name, object_key, start_seconds, end_seconds, score, similarity, snippet
            from brewclip.search_audio($1, $2, kind => $3, source => $4, ingested_after => $5, ingested_before => $6,
                                       version => $7, ef_search => $8, exclude_media => $9, query_text => $10, text_weight => $11)
            """);
        AddCommon(command, query, vector);
        command.Parameters.Add(new() { Value = (object?)query.Text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = query.TextWeight });
        var hits = new List<SearchHit>();
        await using var reader = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hits.Add(new SearchHit("audio", reader.GetInt64(1), reader.GetInt64(0), reader.GetString(2), OptionalText(reader, 3), OptionalText(reader, 4),
                reader.GetDouble(5), reader.GetDouble(6), null, reader.GetDouble(7), NullableDouble(reader, 8), OptionalText(reader, 9)));
        }
        return hits;
    }

    private static void AddCommon(NpgsqlCommand command, SearchQuery query, QueryVector vector)
    {
        command.Parameters.Add(new() { Value = VectorValues.ToVector(vector.Vector) });
        command.Parameters.Add(new() { Value = query.K });
        command.Parameters.Add(new() { Value = (object?)query.MediaKind ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)query.Source ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)query.IngestedAfter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)query.IngestedBefore ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = vector.ModelVersion });
        command.Parameters.Add(new() { Value = (object?)query.EfSearch ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = (object?)query.LikeMedia ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
    }

    private static async Task<NpgsqlDataReader> ExecuteAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue)
        {
            throw new QueryException(e.MessageText);
        }
    }

    private static string? OptionalText(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static double? NullableDouble(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);
}
