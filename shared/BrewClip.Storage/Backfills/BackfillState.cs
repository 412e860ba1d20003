namespace BrewClip.Storage.Backfills;

/// <summary>A backfill's row, read under its lock.</summary>
public sealed record BackfillState(BackfillCursor Cursor, long Done, long Total, bool Finished);
