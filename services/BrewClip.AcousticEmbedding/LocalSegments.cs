using BrewClip.Storage.Artifacts;

namespace BrewClip.AcousticEmbedding;

/// <summary>
/// Segments whose cached features (CLIP token states, Whisper encoder states) are local files for as long as this
/// is not disposed: the store's own files, or downloads deleted on dispose.
/// </summary>
internal sealed class LocalSegments : IDisposable
{
    private readonly List<LocalArtifact> _files = [];

    private LocalSegments()
    {
    }

    public List<SegmentRow> Rows { get; } = [];

    public static async Task<LocalSegments> FetchAsync(IArtifactStore artifacts, IReadOnlyList<SegmentRow> rows, CancellationToken cancellationToken)
    {
        var local = new LocalSegments();
        try
        {
            foreach (var row in rows)
            {
                local.Rows.Add(row with
                {
                    TextStatesUri = await local.FetchAsync(artifacts, row.TextStatesUri, cancellationToken).ConfigureAwait(false),
                    EncoderStatesUri = await local.FetchAsync(artifacts, row.EncoderStatesUri, cancellationToken).ConfigureAwait(false),
                });
            }
            return local;
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    private async Task<string?> FetchAsync(IArtifactStore artifacts, string? uri, CancellationToken cancellationToken)
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
    }
}
