namespace BrewClip.Backfill;

/// <summary>A backfill pass selected items that the writer then gave no vector: repeating it would loop, so the version fails with this reason.</summary>
public sealed class BackfillStuckException(string message) : Exception(message);
