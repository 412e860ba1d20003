using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace BrewClip.Storage.Migrations;

/// <summary>The ordered set of migrations a build knows: embedded from <c>migrations/</c>, or read from a folder.</summary>
public static partial class MigrationCatalog
{
    private const string ResourcePrefix = "migrations/";

    [GeneratedRegex(@"^(?<version>\d{4})_[a-z0-9_]+\.sql$")]
    private static partial Regex FileNamePattern();

    private static readonly Lazy<IReadOnlyList<Migration>> EmbeddedMigrations = new(LoadEmbedded);

    /// <summary>The migrations compiled into this build.</summary>
    public static IReadOnlyList<Migration> Embedded => EmbeddedMigrations.Value;

    /// <summary>The schema version this build needs: the highest embedded migration.</summary>
    public static int LatestVersion => Embedded[^1].Version;

    public static IReadOnlyList<Migration> FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new MigrationException($"The migrations folder '{directory}' does not exist.");
        }
        return Order(Directory.EnumerateFiles(directory, "*.sql")
            .Select(path => Parse(Path.GetFileName(path), File.ReadAllText(path))));
    }

    private static IReadOnlyList<Migration> LoadEmbedded()
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var migrations = Order(assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(name => Parse(name[ResourcePrefix.Length..], ReadResource(assembly, name))));
        return migrations.Count > 0
            ? migrations
            : throw new MigrationException("This build embeds no migrations; BrewClip.Storage was built without migrations/*.sql.");
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Migration Parse(string fileName, string sql)
    {
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new MigrationException(
                $"Migration file '{fileName}' is not named NNNN_lowercase_words.sql (for example 0002_add_training_index.sql).");
        }
        return new Migration(int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), fileName, sql);
    }

    private static IReadOnlyList<Migration> Order(IEnumerable<Migration> migrations)
    {
        var ordered = migrations.OrderBy(m => m.Version).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Version != i + 1)
            {
                throw new MigrationException(
                    $"Migrations must be numbered 0001, 0002, ... without gaps or repeats; found '{ordered[i].FileName}' where version {i + 1:D4} belongs.");
            }
        }
        return ordered;
    }
}
