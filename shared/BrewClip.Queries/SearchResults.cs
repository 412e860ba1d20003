namespace BrewClip.Queries;

/// <summary>The hits of a search, the model version that answered it, and where the time went.</summary>
public sealed record SearchResults(
    int ModelVersion,
    IReadOnlyList<SearchHit> Hits,
    string? Transcript,
    double EmbedMilliseconds,
    double SqlMilliseconds);
