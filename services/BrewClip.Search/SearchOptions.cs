using System.ComponentModel.DataAnnotations;

namespace BrewClip.Search;

/// <summary>
/// The Search service's options (configuration section "Search"). The longest query clip (<c>Search:MaxQuerySeconds</c>)
/// is <see cref="BrewClip.Queries.QueryLimitOptions"/>, which the CLI reads too; the pixel limit is Ingest's.
/// </summary>
public sealed class SearchOptions : IValidatableObject
{
    public const string Section = "Search";

    /// <summary>The largest file POST /api/search takes; a larger one is refused with 413.</summary>
    [Range(1, 2048)]
    public int MaxUploadMegabytes { get; set; } = 50;

    /// <summary>Load CLIP's towers and Whisper at start (a missing model stops the service then, and the first query is not slow).</summary>
    public bool LoadModelsAtStart { get; set; } = true;

    /// <summary>
    /// Queries this process embeds at once (words, files; more-like-this needs no model). Each embedding runs the
    /// models on every core, so more at once only makes each slower. Beyond it a query waits up to
    /// <see cref="QueueSeconds"/> for its turn, then is answered 503 with Retry-After.
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrentQueries { get; set; } = 2;

    /// <summary>How long a query waits for a free slot before the 503 (0 = answer at once).</summary>
    [Range(0.0, 300.0)]
    public double QueueSeconds { get; set; } = 2;

    /// <summary>
    /// Require an API key on every route but health and the page's own HTML (<c>brewclip keys create NAME</c>). Unset, keys
    /// are required whenever the service listens beyond loopback (Service:HealthUrl), and not on 127.0.0.1 alone.
    /// </summary>
    public bool? RequireKeys { get; set; }

    /// <summary>How long a search's signed content URLs (for the page's players and thumbnails) stay valid.</summary>
    [Range(1, 24 * 60)]
    public int SignedUrlMinutes { get; set; } = 60;

    /// <summary>Requests per key (per client address when keys are off), over which the answer is 429 with Retry-After.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Cross-origin requests: none unless origins are listed.</summary>
    public CorsOptions Cors { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RateLimit.PermitsPerMinute is < 0 or > 1_000_000)
        {
            yield return new ValidationResult("must be 0 (no limit) to 1000000", ["RateLimit:PermitsPerMinute"]);
        }
        if (RateLimit.Burst is < 1 or > 1_000_000)
        {
            yield return new ValidationResult("must be 1 to 1000000", ["RateLimit:Burst"]);
        }
        foreach (var origin in Cors.Origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                yield return new ValidationResult($"'{origin}' is not an origin such as https://search.example.org", ["Cors:Origins"]);
            }
        }
    }

    public sealed class RateLimitOptions
    {
        /// <summary>Requests a minute each key may make on average (0 = no limit).</summary>
        public int PermitsPerMinute { get; set; } = 600;

        /// <summary>Requests a key may make at once before the average applies.</summary>
        public int Burst { get; set; } = 60;
    }

    public sealed class CorsOptions
    {
        /// <summary>Origins whose pages may call the API from a browser (Search:Cors:Origins:0, ...).</summary>
        public string[] Origins { get; set; } = [];
    }
}
