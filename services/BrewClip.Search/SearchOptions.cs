using System.ComponentModel.DataAnnotations;

namespace BrewClip.Search;

/// <summary>
/// The Search service's options (configuration section "Search"). The longest query clip (<c>Search:MaxQuerySeconds</c>)
/// is <see cref="BrewClip.Queries.QueryLimitOptions"/>, which the CLI reads too; the pixel limit is Ingest's.
/// </summary>
public sealed class SearchOptions
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
}
