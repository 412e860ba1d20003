using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using Npgsql;

namespace BrewClip.Hosting.Backfill;

/// <summary>One step of a backfill (see <see cref="BackfillWorker"/>).</summary>
public static class BackfillBatch
{
    /// <summary>
    /// Re-embeds the next batch of <paramref name="source"/>'s items with a backfilling version in one transaction:
    /// the vectors, the cursor past them and the count done commit together, under the backfill row's lock and
    /// <see cref="ModelVersionLock"/> held shared.
    /// </summary>
    public static async Task<BackfillBatchOutcome> RunAsync(NpgsqlDataSource dataSource, IBackfillSource source, int versionNumber, int batchSize,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Shared, like any vector writer: the version cannot be activated or rejected under this batch.
        await ModelVersionLock.TakeSharedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var version = await ModelVersionStore.FindAsync(connection, transaction, versionNumber, cancellationToken).ConfigureAwait(false);
        if (version is not { Status: ModelVersionStatus.Backfilling })
        {
            return new BackfillBatchOutcome.Stopped();
        }
        var state = await BackfillStore.LockAsync(connection, transaction, versionNumber, source.Kind, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            var total = await source.CountAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await BackfillStore.EnsureAsync(connection, transaction, versionNumber, source.Kind, total, cancellationToken).ConfigureAwait(false);
            state = await BackfillStore.LockAsync(connection, transaction, versionNumber, source.Kind, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The {source.Kind} backfill row of version {versionNumber} vanished while it was being created.");
        }
        if (state.Finished)
        {
            return new BackfillBatchOutcome.Stopped();
        }

        var (items, last) = await source.EmbedAfterAsync(connection, transaction, version, state.Cursor, batchSize, cancellationToken).ConfigureAwait(false);
        if (items == 0)
        {
            // The cursor is past the last item; embed whatever it could not see, then finish.
            items = await source.EmbedMissingAsync(connection, transaction, version, batchSize, cancellationToken).ConfigureAwait(false);
            last = state.Cursor;
        }
        if (items == 0)
        {
            await BackfillStore.FinishAsync(connection, transaction, versionNumber, source.Kind, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new BackfillBatchOutcome.Finished(state.Done);
        }
        var done = state.Done + items;
        await BackfillStore.AdvanceAsync(connection, transaction, versionNumber, source.Kind, last, done, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BackfillBatchOutcome.Progress(done, Math.Max(done, state.Total));
    }
}
