using BrewClip.Storage.Vectors;

namespace BrewClip.Queries;

/// <summary>
/// One search: exactly one of <see cref="Text"/>, <see cref="AudioPath"/>, <see cref="ImagePath"/>,
/// <see cref="FilePath"/> and <see cref="LikeMedia"/> says what to look for.
/// </summary>
public sealed record SearchQuery
{
    public string? Text { get; init; }

    public string? AudioPath { get; init; }

    public string? ImagePath { get; init; }

    /// <summary>A file whose content decides how it is searched with: an image as an image, audio or a video by its sound.</summary>
    public string? FilePath { get; init; }

    /// <summary>What the query file is called in messages (an upload's own name); null uses the path's file name.</summary>
    public string? FileName { get; init; }

    /// <summary>More like this media item: its own stored vector, the item itself left out.</summary>
    public long? LikeMedia { get; init; }

    public SearchTarget Target { get; init; } = SearchTarget.All;

    public int K { get; init; } = 10;

    /// <summary>Only files of this media kind: audio, image or video.</summary>
    public string? MediaKind { get; init; }

    /// <summary>Only files seen in this source (a watched folder's or bucket's name).</summary>
    public string? Source { get; init; }

    public DateTimeOffset? IngestedAfter { get; init; }

    public DateTimeOffset? IngestedBefore { get; init; }

    /// <summary>How much the transcript full-text ranking counts against the vector ranking in audio search (0 = not at all).</summary>
    public double TextWeight { get; init; } = 1;

    /// <summary>HNSW's candidate list size for this query; null keeps the search functions' default.</summary>
    public int? EfSearch { get; init; }

    /// <summary>The first thing wrong with the query, said for a person; null when it can be run.</summary>
    public string? Problem()
    {
        var given = new[] { Text is not null, AudioPath is not null, ImagePath is not null, FilePath is not null, LikeMedia is not null }.Count(g => g);
        if (given != 1)
        {
            return given == 0 ? "say what to look for: words, an audio clip, an image, or a media id to find more like" : "give one query at a time: words, an audio clip, an image, or a media id";
        }
        if (Text is not null && string.IsNullOrWhiteSpace(Text))
        {
            return "the query text is empty; type what to look for";
        }
        if (K is < 1 or > SearchLimits.MaxK)
        {
            return $"k must be between 1 and {SearchLimits.MaxK}; got {K}";
        }
        if (MediaKind is not null and not ("audio" or "image" or "video"))
        {
            return $"kind of media must be audio, image or video; got '{MediaKind}'";
        }
        if ((MediaKind, Target) is ("audio", SearchTarget.Images) or ("image", SearchTarget.Audio))
        {
            return $"{MediaKind} files have no {(Target == SearchTarget.Images ? "images" : "audio")} to search";
        }
        if (!double.IsFinite(TextWeight) || TextWeight < 0)
        {
            return $"the text weight must be a number 0 or more; got {TextWeight}";
        }
        if (EfSearch is < 1 or > SearchLimits.MaxEfSearch)
        {
            return $"ef_search must be between 1 and {SearchLimits.MaxEfSearch}; got {EfSearch}";
        }
        if (IngestedAfter is { } after && IngestedBefore is { } before && after >= before)
        {
            return "the ingestion time range is empty: its start is not before its end";
        }
        return null;
    }
}
