using BrewClip.Storage.Artifacts;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// Segments whose cached features (CLIP token states, Whisper encoder states) are made local files when first asked
/// for (only a trained head reads them; version 0 needs none) and stay so until this is disposed: the store's own
/// files, or downloads deleted on dispose.
/// </summary>
internal sealed class LocalSegments(IArtifactStore artifacts, IReadOnlyList<SegmentRow> rows) : IDisposable
{
    private readonly List<LocalArtifact> _files = [];
    private List<SegmentRow>? _local;

    /// <summary>The segments with their feature URIs replaced by local paths; fetched once.</summary>
    public async Task<IReadOnlyList<SegmentRow>> RowsAsync(CancellationToken cancellationToken)
    {
        if (_local is not null)
        {
            return _local;
        }
        var local = new List<SegmentRow>(rows.Count);
        foreach (var row in rows)
        {
            local.Add(row with
            {
                TextStatesUri = await FetchAsync(row.TextStatesUri, cancellationToken).ConfigureAwait(false),
                EncoderStatesUri = await FetchAsync(row.EncoderStatesUri, cancellationToken).ConfigureAwait(false),
            });
        }
        return _local = local;
    }

    private async Task<string?> FetchAsync(string? uri, CancellationToken cancellationToken)
    {
        if (uri is null)
        {
            return null;
        }
        var file = await artifacts.FetchAsync(uri, cancellationToken).ConfigureAwait(false);
        _files.Add(file);
        return file.Path;
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
        _files.Clear();
    }
}
