namespace BrewClip.Training.ModelVersions;

/// <summary>
/// Where a backfilling version stands: whether both kinds reported complete, and how many items of the
/// active version it still lacks (or has that the active version lacks), per kind.
/// </summary>
internal sealed record CompletionCheck(bool BothFinished, long MissingImages, long ExtraImages, long MissingAudio, long ExtraAudio)
{
    public bool VectorsMatch => MissingImages == 0 && ExtraImages == 0 && MissingAudio == 0 && ExtraAudio == 0;

    public string Describe(int version, int active) =>
        $"version {version} has vectors for {MissingImages} fewer and {ExtraImages} more images, and {MissingAudio} fewer and {ExtraAudio} more audio segments, than active version {active}";
}
