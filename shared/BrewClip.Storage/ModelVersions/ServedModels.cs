namespace BrewClip.Storage.ModelVersions;

/// <summary>
/// The catalogue models a service runs (Models:Clip, Models:Whisper). It makes features and vectors only for versions
/// made with them: another version's vectors come from services running that version's models, so features of two
/// models never mix.
/// </summary>
public sealed record ServedModels(string Clip, string Whisper)
{
    /// <summary>Image vectors: CLIP's image embedding, through the version's image head.</summary>
    public bool ServesImages(ModelVersion version) => version.Clip == Clip;

    /// <summary>
    /// Audio vectors: CLIP's text features of the transcript, and for trained heads Whisper's encoder states too (a base
    /// version reads only the text).
    /// </summary>
    public bool ServesAudio(ModelVersion version) => version.Clip == Clip && (version.IsBase || version.Whisper == Whisper);
}
