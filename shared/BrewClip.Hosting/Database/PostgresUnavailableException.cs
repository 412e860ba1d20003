namespace BrewClip.Hosting.Database;

/// <summary>Postgres could not be reached, or refused the configured credentials, at start.</summary>
public sealed class PostgresUnavailableException(string message, Exception innerException) : Exception(message, innerException);
