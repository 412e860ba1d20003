using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BrewClip.Hosting.Options;
using BrewClip.Media;
using BrewClip.Models;
using BrewClip.Queries;
using BrewClip.Storage;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;

namespace BrewClip.Cli;

/// <summary>
/// <c>brewclip search</c> (words, an audio clip, an image, or more like an indexed item -> files and moments) and
/// <c>brewclip embed</c> (the query vector as a pgvector literal, for SQL). Both use the active model version, in
/// process, with the models the services use.
/// </summary>
internal static class SearchCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Search()
    {
        var text = new Argument<string?>("query") { Description = "The words to look for.", Arity = ArgumentArity.ZeroOrOne };
        var audio = new Option<string?>("--audio") { Description = "Search with an audio clip (any file ffmpeg decodes)." };
        var image = new Option<string?>("--image") { Description = "Search with an image file." };
        var like = new Option<long?>("--like") { Description = "More like this media id (its stored vector; the item itself is left out)." };
        var kind = new Option<string>("--kind") { Description = "What to return: images, audio or all.", DefaultValueFactory = _ => "all" };
        kind.AcceptOnlyFromAmong("images", "audio", "all");
        var k = new Option<int>("--k") { Description = $"How many hits (1-{SearchLimits.MaxK}).", DefaultValueFactory = _ => 10 };
        var mediaKind = new Option<string?>("--media-kind") { Description = "Only files of this kind: audio, image or video." };
        mediaKind.AcceptOnlyFromAmong("audio", "image", "video");
        var source = new Option<string?>("--source") { Description = "Only files seen in this source (a watched folder's or bucket's name)." };
        var since = new Option<string?>("--since") { Description = $"Only files ingested at or after this time: {QueryTime.Accepted}." };
        var until = new Option<string?>("--until") { Description = $"Only files ingested before this time: {QueryTime.Accepted}." };
        var textWeight = new Option<double>("--text-weight") { Description = "How much transcript words count against vectors in audio search (0 = not at all).", DefaultValueFactory = _ => 1 };
        var efSearch = new Option<int?>("--ef-search") { Description = $"HNSW's candidate list size for this query (1-{SearchLimits.MaxEfSearch})." };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var command = new Command("search", "Search the index: files and moments for words, an audio clip, an image, or an item already indexed.")
        {
            text, audio, image, like, kind, k, mediaKind, source, since, until, textWeight, efSearch, json,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var now = DateTimeOffset.UtcNow;
            string? problem = null;
            DateTimeOffset? Time(Option<string?> option)
            {
                if (result.GetValue(option) is not { } text)
                {
                    return null;
                }
                var time = QueryTime.Parse(text, now);
                problem ??= time is null ? $"{option.Name} must be {QueryTime.Accepted}; got '{text}'" : null;
                return time;
            }
            var query = new SearchQuery
            {
                Text = result.GetValue(text),
                AudioPath = result.GetValue(audio),
                ImagePath = result.GetValue(image),
                LikeMedia = result.GetValue(like),
                Target = result.GetValue(kind) switch { "images" => SearchTarget.Images, "audio" => SearchTarget.Audio, _ => SearchTarget.All },
                K = result.GetValue(k),
                MediaKind = result.GetValue(mediaKind),
                Source = result.GetValue(source),
                IngestedAfter = Time(since),
                IngestedBefore = Time(until),
                TextWeight = result.GetValue(textWeight),
                EfSearch = result.GetValue(efSearch),
            };
            return SearchAsync(query, problem, result.GetValue(json), cancellationToken);
        });
        return command;
    }

    public static Command Embed()
    {
        var text = new Option<string?>("--text") { Description = "Words, as a text query is embedded." };
        var audio = new Option<string?>("--audio") { Description = "An audio clip, through the whole audio path." };
        var image = new Option<string?>("--image") { Description = "An image file." };
        var command = new Command("embed",
            "Print a query's vector with the active model version as a pgvector literal, for SQL: " +
            "psql -v v=\"$(brewclip embed --text 'a dog')\" -c \"select * from brewclip.search_images(:'v')\"")
        {
            text, audio, image,
        };
        command.SetAction((result, cancellationToken) => EmbedAsync(result.GetValue(text), result.GetValue(audio), result.GetValue(image), cancellationToken));
        return command;
    }

    private static Task<int> SearchAsync(SearchQuery query, string? problem, bool json, CancellationToken cancellationToken)
        => RunAsync(problem ?? query.Problem(), query.ImagePath is not null, async (dataSource, embedder) =>
        {
            var results = await new Searcher(dataSource, embedder).SearchAsync(query, cancellationToken);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(results, Json));
            }
            else
            {
                Print(results);
            }
        });

    private static Task<int> EmbedAsync(string? text, string? audio, string? image, CancellationToken cancellationToken)
    {
        var given = new[] { text, audio, image }.Count(q => q is not null);
        var problem = given switch
        {
            0 => "say what to look for: words, an audio clip, an image (--text, --audio or --image)",
            > 1 => "give one query at a time: words, an audio clip, an image (--text, --audio or --image)",
            _ => new SearchQuery { Text = text, AudioPath = audio, ImagePath = image }.Problem(),
        };
        return RunAsync(problem, image is not null, async (dataSource, embedder) =>
        {
            var version = await new ModelVersionReader(dataSource).ActiveAsync(cancellationToken);
            var vector = text is not null ? await embedder.EmbedTextAsync(text, version, cancellationToken)
                : audio is not null ? await embedder.EmbedAudioAsync(audio, version, cancellationToken)
                : await embedder.EmbedImageAsync(image!, version, cancellationToken);
            Console.WriteLine("[" + string.Join(',', vector.Vector.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]");
            Console.Error.WriteLine($"model version {vector.ModelVersion}{(vector.Transcript is null ? "" : $"; heard: {vector.Transcript}")}");
        });
    }

    /// <summary>
    /// Runs a query command: a problem with the query, or a query that cannot be answered, is exit 2 with the reason;
    /// a bad setting or a missing model exit 78. A query file is held to the Search service's limits
    /// (Search:MaxQuerySeconds, Ingest:MaxImagePixels); <paramref name="image"/> says it came as --image.
    /// </summary>
    private static async Task<int> RunAsync(string? problem, bool image, Func<Npgsql.NpgsqlDataSource, QueryEmbedder, Task> run)
    {
        if (problem is not null)
        {
            Console.Error.WriteLine($"brewclip: {problem}");
            return ExitCodes.BadQuery;
        }
        var context = Context();
        if (context is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(context.Value.Postgres.ConnectionString);
        var artifacts = context.Value.Artifacts.CreateStore();
        using var disposeArtifacts = artifacts as IDisposable;
        using var embedder = new QueryEmbedder(context.Value.Models, artifacts, new MediaToolOptions(), context.Value.Language, limits: context.Value.Limits);
        try
        {
            await run(dataSource, embedder);
            return ExitCodes.Ok;
        }
        catch (QueryException e)
        {
            // A file of the other kind: say which option takes it.
            var hint = (e.Problem, e.FileKind) switch
            {
                (QueryProblem.NotMedia, MediaKind.Image) when !image => "; search with it with --image",
                (QueryProblem.NotMedia, MediaKind.Audio) when image => "; search with it with --audio",
                (QueryProblem.NotMedia, MediaKind.Video) when image => "; search with its sound with --audio",
                _ => "",
            };
            Console.Error.WriteLine($"brewclip: {e.Message}{hint}");
            return ExitCodes.BadQuery;
        }
        catch (ModelMissingException e)
        {
            Console.Error.WriteLine($"brewclip: {e.Message}");
            return ExitCodes.Configuration;
        }
    }

    private static (PostgresOptions Postgres, ModelOptions Models, ArtifactOptions Artifacts, string? Language, MediaLimits Limits)? Context()
    {
        var configuration = CliSettings.Load();
        var postgres = CliSettings.TryBind<PostgresOptions>(configuration, PostgresOptions.Section);
        var models = CliSettings.TryBind<ModelOptions>(configuration, ModelOptions.Section);
        // Trained versions' heads are read from the artifact store, as the services read them.
        var artifacts = CliSettings.TryBind<ArtifactOptions>(configuration, ArtifactOptions.Section);
        // A query file gets the limits it would get from the Search service.
        var queryLimits = CliSettings.TryBind<QueryLimitOptions>(configuration, QueryLimitOptions.Section);
        var imageLimits = CliSettings.TryBind<ImageLimitOptions>(configuration, ImageLimitOptions.Section);
        // Audio queries are transcribed as the Transcription service transcribes recordings.
        return postgres is null || models is null || artifacts is null || queryLimits is null || imageLimits is null
            ? null
            : (postgres, models, artifacts, configuration["Transcription:Language"], queryLimits.Limits(imageLimits));
    }

    private static void Print(SearchResults results)
    {
        Console.WriteLine($"model version {results.ModelVersion} · {results.Hits.Count} hit{(results.Hits.Count == 1 ? "" : "s")} · " +
            $"embed {results.EmbedMilliseconds:F0} ms, search {results.SqlMilliseconds:F0} ms");
        if (results.Transcript is not null)
        {
            Console.WriteLine($"heard: {results.Transcript}");
        }
        if (results.Hits.Count == 0)
        {
            return;
        }
        var rows = results.Hits.Select((hit, i) => new[]
        {
            (i + 1).ToString(CultureInfo.InvariantCulture),
            hit.Score.ToString(hit.Type == "audio" ? "0.0000" : "0.000", CultureInfo.InvariantCulture),
            hit.Type,
            hit.Source is null ? $"media {hit.MediaId}" : $"{hit.Source}:{hit.Key}",
            Moment(hit),
            hit.Snippet ?? "",
        }).ToList();
        string[] header = ["#", "score", "kind", "file", "moment", "said"];
        var widths = header.Select((h, c) => rows.Max(r => r[c].Length)).Select((w, c) => Math.Max(w, header[c].Length)).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
    }

    private static string Moment(SearchHit hit) => hit switch
    {
        { Type: "image" } => "",
        { Start: { } start, End: { } end } => $"{Clock(start)}-{Clock(end)}",
        _ => "",
    };

    private static string Clock(double seconds) => TimeSpan.FromSeconds(seconds).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss\.f", CultureInfo.InvariantCulture);
}
