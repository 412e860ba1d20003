namespace BrewClip.Training.ModelVersions;

/// <summary>
/// Where a backfilling version stands: whether both kinds reported complete, and how many items of the
/// active version it still lacks (or has that the active version lacks), per kind.
/// </summary>
/// <param name="OtherModels">
/// The version was made with other models than the active one (a base version after a change of model). Items that
/// arrived during its re-index got only its vectors (services running the new models skip the old version), so it may
/// hold more items than the active version, never fewer.
/// </param>
internal sealed record CompletionCheck(bool BothFinished, long MissingImages, long ExtraImages, long MissingAudio, long ExtraAudio, bool OtherModels = false)
{
    public bool VectorsMatch => MissingImages == 0 && MissingAudio == 0 && (OtherModels || (ExtraImages == 0 && ExtraAudio == 0));

    public string Describe(int version, int active) =>
        $"version {version} has vectors for {MissingImages} fewer and {ExtraImages} more images, and {MissingAudio} fewer and {ExtraAudio} more audio segments, than active version {active}";
}
