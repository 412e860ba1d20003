using System.ComponentModel.DataAnnotations;

namespace BrewClip.Backfill;

/// <summary>How an embedding service re-embeds its items for a promoted version (configuration section "Backfill").</summary>
public sealed class BackfillOptions
{
    public const string Section = "Backfill";

    /// <summary>Items re-embedded per transaction; 0 takes the service's own default (2000 images, 16 audio segments).</summary>
    [Range(0, 100_000)]
    public int BatchSize { get; set; }

    /// <summary>How often the service looks for a version to backfill when no ModelPromoted woke it.</summary>
    [Range(1, 3600)]
    public int PollSeconds { get; set; } = 10;

    /// <summary>Attempts of a batch that fails for a reason other than an unreachable database before the version is reported failed.</summary>
    [Range(1, 100)]
    public int Attempts { get; set; } = 3;
}
