using System.Data.Common;

namespace BrewClip.Testing;

/// <summary>
/// Where the tests find the real stack. `scripts/test.sh` starts it with `scripts/infra.sh up`; these
/// defaults are that script's settings, and the BREWCLIP_TEST_* variables override them.
/// </summary>
public static class TestSettings
{
    public static string PostgresAdminConnectionString { get; } =
        Environment.GetEnvironmentVariable("BREWCLIP_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : "Host=127.0.0.1;Port=5432;Username=brewclip;Password=brewclip;Database=brewclip_test";

    public static RabbitMqEndpoint RabbitMq { get; } = ParseRabbitMq(
        Environment.GetEnvironmentVariable("BREWCLIP_TEST_RABBITMQ") is { Length: > 0 } value
            ? value
            : "host=127.0.0.1;port=5672;vhost=brewclip-test;username=brewclip;password=brewclip");

    /// <summary>The repository root, found from the test assembly's folder.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The s3rver command: BREWCLIP_S3RVER, else where scripts/infra.sh installs it.</summary>
    public static string S3rver { get; } =
        Environment.GetEnvironmentVariable("BREWCLIP_S3RVER") is { Length: > 0 } s3rver ? s3rver
        : Directory.Exists("/opt/brewclip") && Directory.GetDirectories("/opt/brewclip", "s3rver-*")
            .Select(folder => Path.Combine(folder, "node_modules", ".bin", "s3rver")).FirstOrDefault(File.Exists) is { } installed ? installed
        : throw new InvalidOperationException("s3rver is not installed; `sudo scripts/infra.sh up` installs it (or set BREWCLIP_S3RVER).");

    private static RabbitMqEndpoint ParseRabbitMq(string text)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = text };
        string Get(string key) => parts.TryGetValue(key, out var v) ? (string)v : throw new InvalidOperationException($"BREWCLIP_TEST_RABBITMQ lacks '{key}'");
        return new RabbitMqEndpoint(Get("host"), int.Parse(Get("port"), System.Globalization.CultureInfo.InvariantCulture), Get("vhost"), Get("username"), Get("password"));
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BrewClip.Pipeline.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No BrewClip.Pipeline.sln above {AppContext.BaseDirectory}.");
    }
}
