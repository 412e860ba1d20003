using System.Diagnostics;
using System.Globalization;
using BrewClip.Media;
using BrewClip.Models;
using BrewClip.Queries;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.Vectors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace BrewClip.Search;

/// <summary>
/// The HTTP API: <c>GET /api/search?q=...</c> (words, or <c>like=</c> a media id), <c>POST /api/search</c> with a file
/// (an audio clip, an image, or a video's sound), <c>GET /api/media/{id}</c>, the stored content with Range support,
/// and the page at <c>/</c>. A query that cannot be answered is a 4xx whose <c>detail</c> says why.
/// </summary>
public static class SearchApi
{
    /// <summary>
    /// A hit as the API returns it: the search's hit, with where to fetch its content and its item. <c>AudioUrl</c> is the
    /// sound of the hit's media (an audio hit's, or a video frame's video: play it from <c>Start</c> or <c>FrameTime</c>).
    /// </summary>
    public sealed record Hit(string Type, long MediaId, long ItemId, string MediaKind, string? Source, string? Key, double? Start, double? End,
        double? FrameTime, double Score, double? Similarity, string? Snippet, string ContentUrl, string MediaUrl, string? AudioUrl);

    public sealed record Timings(double EmbedMs, double SqlMs, double TotalMs);

    public sealed record Response(int ModelVersion, string Query, string? Transcript, IReadOnlyList<Hit> Hits, Timings Timings);

    public static void MapSearch(this WebApplication app)
    {
        // Every error is a problem document (RFC 7807): an exception a 500 with one, and a status with no body (an
        // unknown route, a wrong method, a route value that is not a number) gets one saying what the status means.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebGuards();
        app.MapOpenApi();
        string page;
        using (var reader = new StreamReader(typeof(SearchApi).Assembly.GetManifestResourceStream("index.html")!))
        {
            page = reader.ReadToEnd();
        }
        app.MapGet("/", (HttpContext context) => WebGuards.Page(context, page)).ExcludeFromDescription();
        app.MapGet("/api/search", SearchByQueryAsync)
            .WithSummary("Search with words (q) or more like an indexed item (like)")
            .WithDescription("Parameters: q or like; kind = images | audio | all (default all); k = 1-" + SearchLimits.MaxK + " (default 10); media_kind = audio | image | video; " +
                "source; since and until (ingestion times: " + QueryTime.Accepted + "); text_weight (default 1); ef_search (1-" + SearchLimits.MaxEfSearch + ").")
            .Produces<Response>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(503);
        app.MapPost("/api/search", SearchByFileAsync)
            .WithSummary("Search with a file: an audio clip (or a video's sound) or an image, sent as multipart/form-data field 'file'")
            .WithDescription("Takes the same parameters as GET /api/search (except q and like), in the query string or the form.")
            .Produces<Response>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503)
            .DisableAntiforgery();
        app.MapGet("/api/media/{id}", async (string id, MediaCatalog catalog, HttpContext context, CancellationToken cancellationToken)
                => ParseId(id) is not { } mediaId ? BadRequest($"a media id is a whole number; got '{id}'")
                    : await catalog.FindAsync(mediaId, cancellationToken) is { } media ? Results.Ok(Signed(context, media)) : NotFound($"media {mediaId} does not exist"))
            .WithSummary("A media item: its places, recording (transcript and segments) and images")
            .Produces<MediaCatalog.Media>().ProducesProblem(400).ProducesProblem(404);
        app.MapGet("/api/media/{id}/content", async (string id, MediaCatalog catalog, HttpContext context, CancellationToken cancellationToken)
                => ParseId(id) is not { } mediaId ? BadRequest($"a media id is a whole number; got '{id}'")
                    : await catalog.MediaContentAsync(mediaId, cancellationToken) is { } content
                    ? FileResult(context, content)
                    : NotFound($"media {mediaId} has no stored image or audio"))
            .WithSummary("A media item's stored content: a still's image (PNG), else its audio (16 kHz WAV); Range requests are served")
            .ProducesProblem(400).ProducesProblem(404);
        app.MapGet("/api/images/{id}/content", async (string id, MediaCatalog catalog, HttpContext context, CancellationToken cancellationToken)
                => ParseId(id) is not { } imageId ? BadRequest($"an image id is a whole number; got '{id}'")
                    : await catalog.ImageContentAsync(imageId, cancellationToken) is { } content
                    ? FileResult(context, content)
                    : NotFound($"image {imageId} does not exist or has no stored file"))
            .WithSummary("A still image or video frame as stored (PNG)")
            .ProducesProblem(400).ProducesProblem(404);
    }

    /// <summary>A content URL as the caller can use it: signed for its key when it came with one, so players and images need no header.</summary>
    private static string Content(HttpContext http, string path)
        => http.Features.Get<Caller>() is { } caller
            ? ContentSignature.Sign(path, caller, TimeSpan.FromMinutes(http.RequestServices.GetRequiredService<IOptions<SearchOptions>>().Value.SignedUrlMinutes))
            : path;

    private static MediaCatalog.Media Signed(HttpContext http, MediaCatalog.Media media) => media with
    {
        ContentUrl = media.ContentUrl is { } url ? Content(http, url) : null,
        Images = media.Images.Select(i => i with { ContentUrl = Content(http, i.ContentUrl) }).ToList(),
    };

    /// <summary>An id in a route, or null when it is not a whole number (said as a 400, not a bare 404).</summary>
    private static long? ParseId(string id) => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A stored file as the response, Range requests served; a downloaded copy is deleted once the response is sent.</summary>
    private static IResult FileResult(HttpContext context, (LocalArtifact File, string ContentType) content)
    {
        context.Response.RegisterForDispose(content.File);
        return Results.File(content.File.Path, content.ContentType, enableRangeProcessing: true);
    }

    private static async Task<IResult> SearchByQueryAsync(HttpRequest request, Searcher searcher, QueryGate gate, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var fields = request.Query.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        if (!fields.ContainsKey("q") && !fields.ContainsKey("like"))
        {
            return BadRequest("say what to look for: q (words) or like (a media id); to search with a file, POST it to /api/search");
        }
        if (fields.ContainsKey("q") && fields.ContainsKey("like"))
        {
            return BadRequest("give q or like, not both");
        }
        if (fields.TryGetValue("q", out var words) && string.IsNullOrWhiteSpace(words))
        {
            return BadRequest("the query text (q) is empty; type what to look for");
        }
        if (Parse(fields, new SearchQuery { Text = words }, out var error) is not { } query)
        {
            return BadRequest(error!);
        }
        return await RunAsync(request.HttpContext, searcher, gate, Logger(loggers), query, query.Text ?? $"like media {query.LikeMedia}", cancellationToken);
    }

    private static async Task<IResult> SearchByFileAsync(HttpRequest request, Searcher searcher, QueryGate gate, IOptions<SearchOptions> options, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUploadMegabytes * 1024L * 1024;
        if (request.ContentLength > limit + 64 * 1024)
        {
            return TooLarge(options.Value.MaxUploadMegabytes);
        }
        if (!request.HasFormContentType)
        {
            return BadRequest("send the file as multipart/form-data, in a field named 'file'");
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 64 * 1024;
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(options.Value.MaxUploadMegabytes);
        }
        catch (InvalidDataException)
        {
            return TooLarge(options.Value.MaxUploadMegabytes);
        }
        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0)
        {
            return BadRequest(file is null ? "no file: send it in a multipart/form-data field named 'file'" : "the file is empty");
        }
        if (file.Length > limit)
        {
            return TooLarge(options.Value.MaxUploadMegabytes);
        }
        var fields = request.Query.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in form)
        {
            fields[key] = value.ToString();
        }
        if (fields.ContainsKey("q") || fields.ContainsKey("like"))
        {
            return BadRequest("a file is the query here; send words (q) or like with GET /api/search");
        }
        // The content decides what the file is (the probe, in the searcher); the name only gives ffprobe a hint.
        var path = Path.Combine(Path.GetTempPath(), $"brewclip-upload-{Guid.NewGuid():N}{SafeExtension(file.FileName)}");
        try
        {
            await using (var output = File.Create(path))
            {
                await file.CopyToAsync(output, cancellationToken);
            }
            return Parse(fields, new SearchQuery { FilePath = path, FileName = file.FileName }, out var error) is { } query
                ? await RunAsync(request.HttpContext, searcher, gate, Logger(loggers), query, file.FileName, cancellationToken)
                : BadRequest(error!);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ILogger Logger(ILoggerFactory loggers) => loggers.CreateLogger("BrewClip.Search.Queries");

    /// <summary>
    /// Runs a query within the process's query slots (more-like-this needs none: it embeds nothing) and logs where its time
    /// went, also when it fails or the client goes (the request's token then stops ffmpeg and the models).
    /// </summary>
    private static async Task<IResult> RunAsync(HttpContext http, Searcher searcher, QueryGate gate, ILogger logger, SearchQuery query, string described,
        CancellationToken cancellationToken)
    {
        var timings = new QueryTimings();
        var outcome = "failed";
        try
        {
            using var slot = query.LikeMedia is null ? await gate.EnterAsync(cancellationToken) : null;
            if (slot is null && query.LikeMedia is null)
            {
                outcome = "refused: every query slot is busy (Search:MaxConcurrentQueries)";
                return Busy();
            }
            var results = await searcher.SearchAsync(query, timings, cancellationToken);
            outcome = $"{results.Hits.Count} hits";
            var hits = results.Hits.Select(h => new Hit(h.Type, h.MediaId, h.ItemId, h.MediaKind, h.Source, h.Key, h.Start, h.End, h.FrameTime, h.Score, h.Similarity, h.Snippet,
                Content(http, h.Type == "audio" ? MediaCatalog.MediaContentUrl(h.MediaId) : MediaCatalog.ImageContentUrl(h.ItemId)), $"/api/media/{h.MediaId}",
                h.Type is "audio" or "frame" ? Content(http, MediaCatalog.MediaContentUrl(h.MediaId)) : null)).ToList();
            return Results.Ok(new Response(results.ModelVersion, described, results.Transcript, hits,
                new Timings(Math.Round(results.EmbedMilliseconds, 1), Math.Round(results.SqlMilliseconds, 1), Math.Round(timings.TotalMilliseconds, 1))));
        }
        catch (QueryException e)
        {
            outcome = $"refused: {e.Message}";
            return e.Problem switch
            {
                QueryProblem.NotFound => NotFound(e.Message),
                QueryProblem.TooLarge => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Over a limit", detail: e.Message),
                QueryProblem.NotMedia => Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported file", detail: e.Message),
                QueryProblem.NothingToSearch => Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Nothing to search with", detail: e.Message),
                _ => BadRequest(e.Message),
            };
        }
        catch (ModelMissingException e)
        {
            // Only with Search:LoadModelsAtStart off: the model this kind of query needs is not in the store.
            outcome = $"failed: {e.Message}";
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Model missing", detail: e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: nobody reads an answer, so none is written.
            outcome = $"cancelled: the client went away during {timings.Stage ?? "the wait for a slot"}";
            return Results.Empty;
        }
        finally
        {
            timings.End();
            logger.LogInformation("Query {Query}: {Outcome} after {TotalMs:F0} ms ({Stages})", described, outcome, timings.TotalMilliseconds,
                timings.ToString() is { Length: > 0 } stages ? stages : "no stage ran");
        }
    }

    /// <summary>The query the fields give to <paramref name="seed"/> (what to look for), or null and what is wrong with them.</summary>
    internal static SearchQuery? Parse(Dictionary<string, string> fields, SearchQuery seed, out string? error)
    {
        error = null;
        string? Field(string name) => fields.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
        var query = seed;
        // Each field: what it must be, and the query with it applied (null when the value is not that).
        var now = DateTimeOffset.UtcNow;
        var parsers = new (string Name, string Expected, Func<string, SearchQuery?> Apply)[]
        {
            ("kind", "images, audio or all", v => v switch
            {
                "images" => query with { Target = SearchTarget.Images },
                "audio" => query with { Target = SearchTarget.Audio },
                "all" => query with { Target = SearchTarget.All },
                _ => null,
            }),
            ("k", $"a whole number between 1 and {SearchLimits.MaxK}", v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? query with { K = n } : null),
            ("like", "a media id (a whole number)", v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? query with { LikeMedia = n } : null),
            ("text_weight", "a number 0 or more", v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var w) ? query with { TextWeight = w } : null),
            ("ef_search", $"a whole number between 1 and {SearchLimits.MaxEfSearch}", v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? query with { EfSearch = n } : null),
            ("since", QueryTime.Accepted, v => QueryTime.Parse(v, now) is { } t ? query with { IngestedAfter = t } : null),
            ("until", QueryTime.Accepted, v => QueryTime.Parse(v, now) is { } t ? query with { IngestedBefore = t } : null),
        };
        foreach (var (name, expected, apply) in parsers)
        {
            if (Field(name) is { } value)
            {
                if (apply(value) is not { } applied)
                {
                    error = $"{name} must be {expected}; got '{value}'";
                    return null;
                }
                query = applied;
            }
        }
        query = query with { MediaKind = Field("media_kind"), Source = Field("source") };
        error = query.Problem();
        return error is null ? query : null;
    }

    internal static string SafeExtension(string name)
    {
        var extension = Path.GetExtension(name);
        return extension.Length is > 1 and <= 10 && extension[1..].All(char.IsAsciiLetterOrDigit) ? extension : "";
    }

    private static IResult BadRequest(string detail) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);

    private static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    private static IResult Busy()
    {
        var problem = Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy",
            detail: "every query slot is busy (Search:MaxConcurrentQueries); try again in a few seconds");
        return new RetryAfter(problem, 2);
    }

    /// <summary>A result with a Retry-After header (seconds).</summary>
    private sealed class RetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }

    private static IResult TooLarge(int megabytes) => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large",
        detail: $"the file is larger than {megabytes} MB (Search:MaxUploadMegabytes)");
}
