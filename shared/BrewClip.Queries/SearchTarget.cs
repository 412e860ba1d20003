namespace BrewClip.Queries;

/// <summary>What a search returns: images, audio, or both ranked together.</summary>
public enum SearchTarget
{
    All,
    Images,
    Audio,
}
