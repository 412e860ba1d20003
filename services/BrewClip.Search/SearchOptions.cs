using System.ComponentModel.DataAnnotations;

namespace BrewClip.Search;

/// <summary>The Search service's options (configuration section "Search").</summary>
public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>The largest file POST /api/search takes; a larger one is refused with 413.</summary>
    [Range(1, 2048)]
    public int MaxUploadMegabytes { get; set; } = 50;

    /// <summary>Load CLIP's towers and Whisper at start (a missing model stops the service then, and the first query is not slow).</summary>
    public bool LoadModelsAtStart { get; set; } = true;
}
