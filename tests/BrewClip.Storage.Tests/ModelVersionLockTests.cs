using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;

namespace BrewClip.Storage.Tests;

/// <summary>
/// The race a promotion must not lose: a vector write that read the live versions just before a version became
/// backfilling would leave an item without that version's vector. The lock orders the two, whichever comes first.
/// </summary>
public sealed class ModelVersionLockTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_status_change_waits_for_a_vector_write_that_read_the_live_versions_and_the_next_write_sees_it()
    {
        var ids = await IndexFixture.AddImagesAsync(_db, 2);
        var vectors = RandomVectors.Unit(2, 512, seed: 3);
        await _db.ExecuteAsync("insert into brewclip.model_versions (version, status, description) values (1, 'candidate', 'test')");
        var writer = new VectorIndexWriter(_db.DataSource);

        // A writer that has read the live versions (only 0) and is computing its vectors.
        var computing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var first = Task.Run(() => writer.UpsertImageVectorsForLiveVersionsAsync(version =>
        {
            computing.TrySetResult();
            release.Wait();
            return Task.FromResult<IReadOnlyList<ImageVector>>([new ImageVector(ids[0], vectors[0])]);
        }));
        await computing.Task;

        // The promotion's status change asks for the lock exclusively: it waits (seen in pg_locks, not assumed).
        var promotion = Task.Run(async () =>
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await ModelVersionLock.TakeExclusiveAsync(connection, transaction, CancellationToken.None);
            await using var update = new NpgsqlCommand("update brewclip.model_versions set status = 'backfilling' where version = 1", connection, transaction);
            await update.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        });
        await Eventually.UntilAsync(async () =>
        {
            Assert.False(promotion.IsCompleted, "the status change did not wait for the writer");
            return await _db.ScalarAsync<long>($"select count(*) from pg_locks where locktype = 'advisory' and not granted") > 0;
        }, "the status change to ask for the lock");
        Assert.Equal("candidate", await _db.ScalarAsync<string>("select status from brewclip.model_versions where version = 1"));

        release.Set();
        Assert.Equal([0], (await first).Versions);
        await promotion;

        // After the change, a write covers both versions.
        var second = await writer.UpsertImageVectorsForLiveVersionsAsync(_ => Task.FromResult<IReadOnlyList<ImageVector>>([new ImageVector(ids[1], vectors[1])]));
        Assert.Equal([0, 1], second.Versions);
        Assert.Equal(3L, await _db.ScalarAsync<long>("select count(*) from brewclip.image_vectors"));
    }
}
