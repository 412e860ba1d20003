using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using Npgsql;

namespace BrewClip.Backfill;

/// <summary>
/// What an embedding service re-embeds when a version is promoted: its items that may hold vectors and have cached
/// features (brewclip.backfill_segments, brewclip.backfill_images), in key order. The vector index writer writes a
/// vector for exactly these, so every item selected, counted or waited for can get one.
/// </summary>
public interface IBackfillSource
{
    /// <summary>audio or image, as brewclip.backfills spells it.</summary>
    string Kind { get; }

    /// <summary>
    /// Whether this service makes this version's vectors: it was made with the models the service runs. A version of
    /// other models is left to the services that run them (a replica not yet restarted with a new CLIP skips the new base
    /// version instead of failing it).
    /// </summary>
    bool Serves(ModelVersion version) => true;

    /// <summary>The items to re-embed now, and how many of them have a vector of <paramref name="version"/> already.</summary>
    Task<BackfillCount> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, CancellationToken cancellationToken);

    /// <summary>Re-embeds up to <paramref name="limit"/> items after <paramref name="after"/> with <paramref name="version"/>, inside the transaction.</summary>
    /// <returns>How many were re-embedded (0: none is left after the cursor) and the key of the last.</returns>
    Task<(int Items, BackfillCursor Last)> EmbedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        BackfillCursor after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Re-embeds up to <paramref name="limit"/> items that have cached features but no vector of <paramref name="version"/>,
    /// whatever their key.
    /// </summary>
    /// <returns>
    /// How many were selected, and those of them that still may hold a vector but got none (named, as "recording 7
    /// segment 0"): none, unless the head or the writer refused them, which another pass would only repeat.
    /// </returns>
    Task<(int Items, IReadOnlyList<string> Unwritten)> EmbedMissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        int limit, CancellationToken cancellationToken);
}

/// <summary>A backfill's real counts: the items it re-embeds, and how many of them have the version's vector.</summary>
public readonly record struct BackfillCount(long Done, long Total);
