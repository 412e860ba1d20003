using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.Ingest.Storage;

/// <summary>
/// What Ingest announces after a commit: the recordings and images to send through the services. Every message Ingest
/// publishes goes out through <see cref="PublishAsync"/> (by the <see cref="MediaIngestor"/> and the <see cref="Reconciler"/>).
/// </summary>
public sealed class IngestAnnouncements
{
    public List<RecordingIngested> Recordings { get; } = [];

    public List<ImageIngested> Images { get; } = [];

    public int Count => Recordings.Count + Images.Count;

    /// <summary>Publishes each message by its own type, recordings first (the order they were written in).</summary>
    public async Task PublishAsync(IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        foreach (var recording in Recordings)
        {
            await publisher.Publish(recording, cancellationToken).ConfigureAwait(false);
        }
        foreach (var image in Images)
        {
            await publisher.Publish(image, cancellationToken).ConfigureAwait(false);
        }
    }
}
