using System.ComponentModel.DataAnnotations;

namespace BrewClip.Training;

/// <summary>Configuration section "Training": how versions are promoted and kept.</summary>
public sealed class TrainingOptions
{
    public const string Section = "Training";

    /// <summary>Versions whose vectors are kept, the active one included; older retired versions' vectors and indexes are dropped. 2 keeps one to roll back to.</summary>
    [Range(1, 100)]
    public int RetainVersions { get; set; } = 2;

    /// <summary>How often promotions are checked for completion when no ModelBackfillCompleted woke the service.</summary>
    [Range(1, 3600)]
    public int PromotionPollSeconds { get; set; } = 10;

    /// <summary>
    /// How long a version whose backfills both reported complete may keep having fewer vectors than the active
    /// version (items in flight) before it is rejected.
    /// </summary>
    [Range(1, 86_400)]
    public int BackfillVerifyTimeoutSeconds { get; set; } = 600;

    /// <summary>maintenance_work_mem for building a version's HNSW indexes: an index that does not fit builds several times slower.</summary>
    [RegularExpression("^[1-9][0-9]*(kB|MB|GB)$", ErrorMessage = "must be a size such as 512MB or 1GB")]
    public string IndexBuildMemory { get; set; } = "1GB";

    /// <summary>HNSW graph degree (pgvector's m) of the version indexes.</summary>
    [Range(2, 100)]
    public int HnswM { get; set; } = 16;

    /// <summary>HNSW candidate list size while building (pgvector's ef_construction); at least twice HnswM.</summary>
    [Range(4, 1000)]
    public int HnswEfConstruction { get; set; } = 64;
}
