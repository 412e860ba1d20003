namespace BrewClip.Contracts;

/// <summary>
/// Event (a notification): Ingest stored an image, or one of a video's frames. ImageEmbedding reads its row (the
/// stored image, CLIP's crop, the frame) from Postgres.
/// </summary>
public sealed record ImageIngested(long ImageId);
