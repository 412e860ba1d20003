namespace BrewClip.Storage.Vectors;

/// <summary>
/// The bounds of one search, in one place for the services, the CLI and the API's text. The search functions
/// (brewclip.search_version, migration 0008) enforce the same numbers for SQL callers; a storage test checks the two agree.
/// </summary>
public static class SearchLimits
{
    /// <summary>The most hits one search returns (k is 1 to this).</summary>
    public const int MaxK = 1000;

    /// <summary>The largest HNSW candidate list a query may ask for (ef_search is 1 to this).</summary>
    public const int MaxEfSearch = 1000;
}
