namespace BrewClip.Ingest;

/// <summary>How one object ended.</summary>
public enum IngestOutcome
{
    Accepted,
    Rejected,
    Duplicate,
}
