namespace BrewClip.Storage.Stages;

/// <summary>Where a recording is on its way to audio vectors (<c>brewclip.recordings.stage</c>).</summary>
public enum RecordingStage
{
    /// <summary>Stored by Ingest (or sent back by a new sidecar transcript, or a replay): Transcription's turn.</summary>
    Ingested,

    /// <summary>Transcript and cached encoder states stored: AcousticEmbedding's turn.</summary>
    Transcribed,

    /// <summary>Every segment has its vectors.</summary>
    Embedded,

    /// <summary>A stage failed; <c>failure_reason</c> says why.</summary>
    Failed,
}
