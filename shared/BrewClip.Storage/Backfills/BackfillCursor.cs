namespace BrewClip.Storage.Backfills;

/// <summary>The key of the last item a backfill re-embedded: an image id, or a (recording id, segment index).</summary>
public readonly record struct BackfillCursor(long Id, int Segment)
{
    public static BackfillCursor Start { get; } = new(0, -1);
}
