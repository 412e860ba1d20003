using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using Npgsql;

namespace BrewClip.Backfill;

/// <summary>One step of a backfill (see <see cref="BackfillWorker"/>).</summary>
public static class BackfillBatch
{
    /// <summary>At most this many items of a stuck pass are named in its reason; the rest are counted.</summary>
    private const int NamedItems = 10;

    /// <summary>
    /// Re-embeds the next batch of <paramref name="source"/>'s items with a backfilling version in one transaction:
    /// the vectors, the cursor past them and the counts commit together, under the backfill row's lock and
    /// <see cref="ModelVersionLock"/> held shared. With <paramref name="recount"/> (and at the start and the end) the
    /// counts are the real ones (items to re-embed, how many have the version's vector); between recounts done grows
    /// by the items re-embedded and total by what arrived, done never past total.
    /// </summary>
    /// <exception cref="BackfillStuckException">Items without the version's vector were selected and got none from the writer.</exception>
    public static async Task<BackfillBatchOutcome> RunAsync(NpgsqlDataSource dataSource, IBackfillSource source, int versionNumber, int batchSize,
        bool recount, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Shared, like any vector writer: the version cannot be activated or rejected under this batch.
        await ModelVersionLock.TakeSharedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var version = await ModelVersionReader.FindAsync(connection, transaction, versionNumber, cancellationToken).ConfigureAwait(false);
        if (version is not { Status: ModelVersionStatus.Backfilling })
        {
            return new BackfillBatchOutcome.Stopped();
        }
        var state = await BackfillStore.LockAsync(connection, transaction, versionNumber, source.Kind, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            var count = await source.CountAsync(connection, transaction, versionNumber, cancellationToken).ConfigureAwait(false);
            await BackfillStore.EnsureAsync(connection, transaction, versionNumber, source.Kind, count.Total, cancellationToken).ConfigureAwait(false);
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
            var (missing, unwritten) = await source.EmbedMissingAsync(connection, transaction, version, batchSize, cancellationToken).ConfigureAwait(false);
            if (unwritten.Count > 0)
            {
                // Another pass would select the same items again and write nothing again: a loop, not progress.
                var named = string.Join(", ", unwritten.Take(NamedItems)) + (unwritten.Count > NamedItems ? $" and {unwritten.Count - NamedItems} more" : "");
                throw new BackfillStuckException(
                    $"no progress in a whole pass: the vector writer gave none of version {versionNumber} to {unwritten.Count} of the {missing} " +
                    $"{source.Kind} items the pass selected ({named}); another pass would select them again");
            }
            items = missing;
            last = state.Cursor;
        }
        if (items == 0)
        {
            var final = await source.CountAsync(connection, transaction, versionNumber, cancellationToken).ConfigureAwait(false);
            await BackfillStore.FinishAsync(connection, transaction, versionNumber, source.Kind, final.Total, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new BackfillBatchOutcome.Finished(final.Total);
        }
        var (done, total) = recount
            ? await source.CountAsync(connection, transaction, versionNumber, cancellationToken).ConfigureAwait(false)
            : new BackfillCount(state.Done + items, Math.Max(state.Total, state.Done + items));
        await BackfillStore.AdvanceAsync(connection, transaction, versionNumber, source.Kind, last, done, total, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BackfillBatchOutcome.Progress(done, total);
    }
}
