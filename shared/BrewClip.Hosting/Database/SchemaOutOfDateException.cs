namespace BrewClip.Hosting.Database;

/// <summary>The database is missing migrations this build needs.</summary>
public sealed class SchemaOutOfDateException(string message) : Exception(message);
