using BrewClip.Storage.Migrations;
using BrewClip.Testing;

namespace BrewClip.Storage.Tests;

public sealed class SchemaMigratorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("brewclip-migrations-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Applies_every_migration_to_an_empty_database()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var applied = await new SchemaMigrator(db.DataSource).MigrateAsync();

        Assert.Equal(MigrationCatalog.Embedded.Select(m => m.FileName), applied.Select(m => m.FileName));
        var state = await new SchemaMigrator(db.DataSource).GetStateAsync();
        Assert.True(state.IsCurrent);
        Assert.Equal(MigrationCatalog.LatestVersion, state.AppliedVersion);
        Assert.Equal(0, await ScalarAsync<int>(db, "select brewclip.active_model_version()"));
    }

    [Fact]
    public async Task Second_run_is_a_no_op()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        await new SchemaMigrator(db.DataSource).MigrateAsync();
        var before = await new SchemaMigrator(db.DataSource).GetStateAsync();

        var applied = await new SchemaMigrator(db.DataSource).MigrateAsync();

        Assert.Empty(applied);
        var after = await new SchemaMigrator(db.DataSource).GetStateAsync();
        Assert.Equal(before.Applied, after.Applied);
    }

    [Fact]
    public async Task Concurrent_runs_serialize_and_apply_each_migration_once()
    {
        // Each migration logs that it ran and sleeps, so overlapping runners would collide or log twice.
        WriteMigration("0001_first.sql", "create table ran (name text); insert into ran values ('0001'); select pg_sleep(0.3);");
        WriteMigration("0002_second.sql", "insert into ran values ('0002'); select pg_sleep(0.3);");
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var migrations = MigrationCatalog.FromDirectory(_folder);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => new SchemaMigrator(db.DataSource, migrations).MigrateAsync())));

        Assert.Equal(2, runs.Sum(r => r.Count));
        Assert.Equal(2, await ScalarAsync<long>(db, "select count(*) from brewclip.schema_migrations"));
        Assert.Equal(1, await ScalarAsync<long>(db, "select count(*) from ran where name = '0001'"));
        Assert.Equal(1, await ScalarAsync<long>(db, "select count(*) from ran where name = '0002'"));
    }

    [Fact]
    public async Task Concurrent_runs_of_the_real_schema_succeed()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var runs = await Task.WhenAll(Enumerable.Range(0, 3)
            .Select(_ => Task.Run(() => new SchemaMigrator(db.DataSource).MigrateAsync())));
        Assert.Equal(MigrationCatalog.Embedded.Count, runs.Sum(r => r.Count));
    }

    [Fact]
    public async Task Edited_applied_migration_is_refused_with_a_clear_message()
    {
        WriteMigration("0001_first.sql", "create table t (x int);");
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        await new SchemaMigrator(db.DataSource, MigrationCatalog.FromDirectory(_folder)).MigrateAsync();

        WriteMigration("0001_first.sql", "create table t (x int, y int);");
        WriteMigration("0002_second.sql", "create table u (x int);");
        var edited = MigrationCatalog.FromDirectory(_folder);

        var e = await Assert.ThrowsAsync<MigrationException>(() => new SchemaMigrator(db.DataSource, edited).MigrateAsync());
        Assert.Contains("0001_first.sql", e.Message, StringComparison.Ordinal);
        Assert.Contains("must not change", e.Message, StringComparison.Ordinal);
        // Nothing after the edited file was applied either.
        Assert.False(await ScalarAsync<bool>(db, "select to_regclass('public.u') is not null"));
    }

    [Fact]
    public async Task Failing_migration_is_rolled_back_and_named()
    {
        WriteMigration("0001_first.sql", "create table t (x int);");
        WriteMigration("0002_broken.sql", "create table u (x int); insert into missing_table values (1);");
        await using var db = await TestDatabase.CreateAsync(migrate: false);

        var e = await Assert.ThrowsAsync<MigrationException>(
            () => new SchemaMigrator(db.DataSource, MigrationCatalog.FromDirectory(_folder)).MigrateAsync());

        Assert.Contains("0002_broken.sql", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing_table", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync<long>(db, "select count(*) from brewclip.schema_migrations"));
        Assert.False(await ScalarAsync<bool>(db, "select to_regclass('public.u') is not null"));
    }

    [Fact]
    public async Task State_of_an_unmigrated_database_lists_every_migration_as_pending()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var state = await new SchemaMigrator(db.DataSource).GetStateAsync();
        Assert.False(state.IsCurrent);
        Assert.Equal(0, state.AppliedVersion);
        Assert.Equal(MigrationCatalog.Embedded.Count, state.Pending.Count);
    }

    [Fact]
    public async Task Migration_applied_by_a_newer_build_is_reported_not_refused()
    {
        WriteMigration("0001_first.sql", "create table t (x int);");
        WriteMigration("0002_second.sql", "create table u (x int);");
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        await new SchemaMigrator(db.DataSource, MigrationCatalog.FromDirectory(_folder)).MigrateAsync();

        File.Delete(Path.Combine(_folder, "0002_second.sql"));
        var older = new SchemaMigrator(db.DataSource, MigrationCatalog.FromDirectory(_folder));

        Assert.Empty(await older.MigrateAsync());
        var state = await older.GetStateAsync();
        Assert.True(state.IsCurrent);
        Assert.Equal("0002_second.sql", Assert.Single(state.Unknown).FileName);
    }

    private void WriteMigration(string name, string sql) => File.WriteAllText(Path.Combine(_folder, name), sql);

    private static async Task<T> ScalarAsync<T>(TestDatabase db, string sql)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
