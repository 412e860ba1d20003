namespace BrewClip.Backfill;

/// <summary>What one backfill batch did.</summary>
public abstract record BackfillBatchOutcome
{
    /// <summary>Items were re-embedded; <paramref name="Done"/> of about <paramref name="Total"/> so far.</summary>
    public sealed record Progress(long Done, long Total) : BackfillBatchOutcome;

    /// <summary>Nothing was left: the backfill is marked complete with <paramref name="Done"/> items.</summary>
    public sealed record Finished(long Done) : BackfillBatchOutcome;

    /// <summary>The version is no longer backfilling, or this kind's backfill was already complete.</summary>
    public sealed record Stopped : BackfillBatchOutcome;
}
