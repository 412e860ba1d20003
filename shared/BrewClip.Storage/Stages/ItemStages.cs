using static BrewClip.Storage.Stages.RecordingStage;

namespace BrewClip.Storage.Stages;

/// <summary>
/// The stage machines of the pipeline's items. Each table's stage column changes only through these, so what may
/// follow what is written once, here:
/// <code>
/// recording: ingested -> transcribed -> embedded; ingested | transcribed -> failed (again, with a new reason);
///            failed -> ingested (replay); ingested | transcribed | embedded -> ingested (a new sidecar transcript)
/// image:     ingested | failed -> embedded; ingested | failed -> failed; failed -> ingested (replay)
/// </code>
/// </summary>
public static class ItemStages
{
    public static StageMachine<RecordingStage> Recording { get; } = new("brewclip.recordings", "recording",
    [
        (RecordingStage.Ingested, Transcribed), (Transcribed, RecordingStage.Embedded),
        (RecordingStage.Ingested, RecordingStage.Failed), (Transcribed, RecordingStage.Failed), (RecordingStage.Failed, RecordingStage.Failed),
        (RecordingStage.Failed, RecordingStage.Ingested),
        (RecordingStage.Ingested, RecordingStage.Ingested), (Transcribed, RecordingStage.Ingested), (RecordingStage.Embedded, RecordingStage.Ingested),
    ]);

    public static StageMachine<ImageStage> Image { get; } = new("brewclip.images", "image",
    [
        (ImageStage.Ingested, ImageStage.Embedded), (ImageStage.Failed, ImageStage.Embedded),
        (ImageStage.Ingested, ImageStage.Failed), (ImageStage.Failed, ImageStage.Failed),
        (ImageStage.Failed, ImageStage.Ingested),
    ]);
}
