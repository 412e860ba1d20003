namespace BrewClip.Storage.Migrations;

public sealed record AppliedMigration(int Version, string FileName, string Checksum, DateTimeOffset AppliedAt);
