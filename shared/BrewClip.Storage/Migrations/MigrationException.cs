namespace BrewClip.Storage.Migrations;

/// <summary>A migration problem a person has to fix: an edited applied file, a bad file name, a failed statement.</summary>
public sealed class MigrationException(string message, Exception? innerException = null) : Exception(message, innerException);
