namespace BrewClip.Storage.Stages;

/// <summary>Where an image is on its way to image vectors (<c>brewclip.images.stage</c>).</summary>
public enum ImageStage
{
    /// <summary>Stored by Ingest (or sent back by a replay): ImageEmbedding's turn.</summary>
    Ingested,

    /// <summary>CLIP's embedding cached and the vectors written.</summary>
    Embedded,

    /// <summary>Embedding failed; <c>failure_reason</c> says why.</summary>
    Failed,
}
