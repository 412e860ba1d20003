using BrewClip.Storage.Migrations;

namespace BrewClip.Storage.Tests;

public sealed class MigrationCatalogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("brewclip-migrations-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Embedded_migrations_start_at_one_and_have_no_gaps()
    {
        var versions = MigrationCatalog.Embedded.Select(m => m.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
        Assert.Equal(versions[^1], MigrationCatalog.LatestVersion);
    }

    [Fact]
    public void Embedded_migrations_match_the_files_in_the_repository()
    {
        var onDisk = MigrationCatalog.FromDirectory(Path.Combine(Testing.TestSettings.RepositoryRoot, "migrations"));
        Assert.Equal(onDisk.Select(m => (m.FileName, m.Checksum)), MigrationCatalog.Embedded.Select(m => (m.FileName, m.Checksum)));
    }

    [Fact]
    public void Checksum_ignores_crlf_line_endings()
    {
        Assert.Equal(new Migration(1, "0001_a.sql", "select 1;\nselect 2;\n").Checksum,
            new Migration(1, "0001_a.sql", "select 1;\r\nselect 2;\r\n").Checksum);
        Assert.NotEqual(new Migration(1, "0001_a.sql", "select 1;").Checksum, new Migration(1, "0001_a.sql", "select 2;").Checksum);
    }

    [Fact]
    public void Badly_named_file_is_refused_with_its_name()
    {
        File.WriteAllText(Path.Combine(_folder, "0001_ok.sql"), "select 1;");
        File.WriteAllText(Path.Combine(_folder, "2_Bad Name.sql"), "select 1;");
        var e = Assert.Throws<MigrationException>(() => MigrationCatalog.FromDirectory(_folder));
        Assert.Contains("2_Bad Name.sql", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gap_in_numbering_is_refused()
    {
        File.WriteAllText(Path.Combine(_folder, "0001_a.sql"), "select 1;");
        File.WriteAllText(Path.Combine(_folder, "0003_c.sql"), "select 1;");
        var e = Assert.Throws<MigrationException>(() => MigrationCatalog.FromDirectory(_folder));
        Assert.Contains("0003_c.sql", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_number_is_refused()
    {
        File.WriteAllText(Path.Combine(_folder, "0001_a.sql"), "select 1;");
        File.WriteAllText(Path.Combine(_folder, "0001_b.sql"), "select 1;");
        Assert.Throws<MigrationException>(() => MigrationCatalog.FromDirectory(_folder));
    }
}
