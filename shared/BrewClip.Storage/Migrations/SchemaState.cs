namespace BrewClip.Storage.Migrations;

/// <summary>Where a database's schema stands against the migrations this build knows.</summary>
public sealed record SchemaState(
    IReadOnlyList<AppliedMigration> Applied,
    IReadOnlyList<Migration> Pending,
    IReadOnlyList<AppliedMigration> Unknown)
{
    public int AppliedVersion => Applied.Count == 0 ? 0 : Applied.Max(m => m.Version);

    public bool IsCurrent => Pending.Count == 0;
}
