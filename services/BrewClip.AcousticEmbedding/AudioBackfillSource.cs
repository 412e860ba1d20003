using BrewClip.Backfill;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.Backfills;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using Npgsql;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// Audio segments re-embedded for a promoted version from their cached features (CLIP token states and text
/// embedding, Whisper encoder states: the head only, no Whisper or CLIP run), in (recording, segment) order. For a
/// base version of a new CLIP, segments whose text features another CLIP made get this CLIP's first (its text tower
/// over their text).
/// </summary>
internal sealed class AudioBackfillSource(AudioHeads heads, IArtifactStore artifacts, ServedModels models, IServiceProvider services) : IBackfillSource
{
    public string Kind => "audio";

    public bool Serves(ModelVersion version) => models.ServesAudio(version);

    public async Task<BackfillCount> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int version, CancellationToken cancellationToken)
    {
        var (done, total) = await SegmentStore.CountFeaturedAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
        return new BackfillCount(done, total);
    }

    public async Task<(int Items, BackfillCursor Last)> EmbedAfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version,
        BackfillCursor after, int limit, CancellationToken cancellationToken)
    {
        var rows = await SegmentStore.FeaturedAfterAsync(connection, transaction, after.Id, after.Segment, limit, cancellationToken).ConfigureAwait(false);
        await WriteAsync(connection, transaction, version, rows, cancellationToken).ConfigureAwait(false);
        return (rows.Count, rows.Count == 0 ? after : new BackfillCursor(rows[^1].RecordingId, rows[^1].Index));
    }

    public async Task<(int Items, IReadOnlyList<string> Unwritten)> EmbedMissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        ModelVersion version, int limit, CancellationToken cancellationToken)
    {
        var rows = await SegmentStore.FeaturedWithoutVectorAsync(connection, transaction, version.Version, limit, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return (0, []);
        }
        await WriteAsync(connection, transaction, version, rows, cancellationToken).ConfigureAwait(false);
        var unwritten = await SegmentStore.StillWithoutVectorAsync(connection, transaction, version.Version, rows, cancellationToken).ConfigureAwait(false);
        return (rows.Count, unwritten.Select(s => $"recording {s.RecordingId} segment {s.Index}").ToList());
    }

    private async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ModelVersion version, List<SegmentRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        if (rows.Any(r => r.FeaturesClip != version.Clip))
        {
            // Resolved only here: the text tower loads when a version of a new CLIP needs it, not to start the backfill.
            rows = await services.GetRequiredService<TextFeatures>().EnsureAsync(rows, cancellationToken).ConfigureAwait(false);
        }
        using var local = new LocalSegments(artifacts, rows);
        var vectors = await heads.SegmentVectorsAsync(version, rows, local, cancellationToken).ConfigureAwait(false);
        await VectorIndexWriter.UpsertAudioVectorsAsync(connection, transaction, version.Version, vectors, cancellationToken).ConfigureAwait(false);
    }
}
