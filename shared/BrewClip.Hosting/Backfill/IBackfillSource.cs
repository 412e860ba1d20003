using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using Npgsql;

namespace BrewClip.Hosting.Backfill;

/// <summary>What an embedding service re-embeds when a version is promoted: its items with cached features, in key order.</summary>
public interface IBackfillSource
{
    /// <summary>audio or image, as brewclip.backfills spells it.</summary>
    string Kind { get; }

    /// <summary>Items with cached features now (the backfill's starting total).</summary>
    Task<long> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Re-embeds up to <paramref name="limit"/> items after <paramref name="after"/> with <paramref name="version"/>, inside the transaction.</summary>
    /// <returns>How many were re-embedded (0: none is left after the cursor) and the key of the last.</returns>
    Task<(int Items, BackfillCursor Last)> EmbedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        BackfillCursor after, int limit, CancellationToken cancellationToken);

    /// <summary>Re-embeds up to <paramref name="limit"/> items that have cached features but no vector of <paramref name="version"/>, whatever their key.</summary>
    Task<int> EmbedMissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version, int limit, CancellationToken cancellationToken);
}
