using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace BrewClip.Hosting.Options;

public sealed class PostgresOptions : IValidatableObject
{
    public const string Section = "Postgres";

    /// <summary>Npgsql connection string of the BrewClip database.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply pending migrations at start (under the advisory lock) instead of refusing to start.</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>How long a starting service waits for Postgres to accept connections.</summary>
    [Range(1, 3600)]
    public int StartupTimeoutSeconds { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield break;
        }
        string? problem = null;
        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException e)
        {
            problem = e.Message;
        }
        if (problem is not null)
        {
            yield return new ValidationResult($"not a valid Npgsql connection string: {problem}", [nameof(ConnectionString)]);
        }
    }
}
