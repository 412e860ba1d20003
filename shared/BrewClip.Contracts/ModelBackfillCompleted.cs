namespace BrewClip.Contracts;

/// <summary>
/// Event (a notification): an embedding service finished re-embedding its items (<paramref name="Kind"/>: audio or
/// image) with a model version. Training's promotion monitor reads the backfills' state from Postgres.
/// </summary>
public sealed record ModelBackfillCompleted(int ModelVersion, string Kind);
