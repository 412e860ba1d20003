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
    public async Task Upgrading_moves_text_features_and_sidecars_to_the_tables_their_one_writer_owns()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        await new SchemaMigrator(db.DataSource, MigrationCatalog.Embedded.Where(m => m.Version <= 9).ToList()).MigrateAsync();
        await db.ExecuteAsync("""
            insert into brewclip.media (id, content_hash, kind, status, size_bytes) overriding system value
            values (1, sha256('a'), 'audio', 'accepted', 1), (2, sha256('b'), 'audio', 'accepted', 1);
            insert into brewclip.recordings (id, media_id, pcm_uri, duration_seconds, stage) overriding system value
            values (10, 1, 'file:///a.wav', 40, 'embedded'), (20, 2, 'file:///b.wav', 5, 'transcribed');
            insert into brewclip.recording_segments (recording_id, segment_index, start_seconds, end_seconds, text, text_states_uri, text_embeds)
            values (10, 0, 0, 30, 'a dog runs', 'file:///a-0.text.safetensors', '[1,2,3]'),
                   (10, 1, 30, 40, 'on the grass', null, null),
                   (20, 0, 0, 5, null, 'file:///b-0.text.safetensors', '[4,5,6]');
            insert into brewclip.transcripts (recording_id, source, language, text, segments)
            values (10, 'sidecar', null, 'A dog runs on the grass.', '[{"start": 0, "end": 40, "text": "A dog runs on the grass."}]'),
                   (20, 'whisper', 'en', '', '[]');
            """);

        await new SchemaMigrator(db.DataSource).MigrateAsync();

        Assert.Equal(["10:0:a dog runs:file:///a-0.text.safetensors:[1,2,3]", "20:0::file:///b-0.text.safetensors:[4,5,6]"], await db.ColumnAsync<string>("""
            select recording_id || ':' || segment_index || ':' || text || ':' || text_states_uri || ':' || text_embeds::text
            from brewclip.segment_text_features order by 1
            """));
        Assert.Equal(2L, await db.ScalarAsync<long>("select count(*) from brewclip.featured_segments"));
        Assert.False(await db.ScalarAsync<bool>("""
            select exists (select 1 from information_schema.columns
                           where table_schema = 'brewclip' and table_name = 'recording_segments' and column_name in ('text_embeds', 'text_states_uri'))
            """));
        // Features of text a later transcription changed are stale by that fact alone.
        await db.ExecuteAsync("update brewclip.recording_segments set text = 'a cat sleeps' where recording_id = 10 and segment_index = 0");
        Assert.Equal([20L], await db.ColumnAsync<long>("select recording_id from brewclip.featured_segments"));
        // Sidecars are Ingest's; transcripts stay as they were, Transcription's from now on.
        Assert.Equal(["10:A dog runs on the grass."], await db.ColumnAsync<string>("select recording_id || ':' || text from brewclip.sidecar_transcripts"));
        Assert.Equal(["10:sidecar", "20:whisper"], await db.ColumnAsync<string>("select recording_id || ':' || source from brewclip.transcripts order by 1"));
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
