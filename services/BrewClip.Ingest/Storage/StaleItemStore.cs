using BrewClip.Contracts;
using BrewClip.Storage.Stages;
using Npgsql;

namespace BrewClip.Ingest.Storage;

/// <summary>Items whose ingested message was lost: found by their stage's age, for the <see cref="Reconciler"/> to announce again.</summary>
public sealed class StaleItemStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Items that sat at their ingested stage longer than <paramref name="after"/>: their messages, to
    /// publish again. Their stage time is renewed so each is re-published once per timeout, not in a loop.
    /// </summary>
    public async Task<IngestAnnouncements> TakeStaleAsync(TimeSpan after, bool recordings, bool images, CancellationToken cancellationToken)
    {
        var messages = new IngestAnnouncements();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (recordings)
        {
            messages.Recordings.AddRange((await ItemStages.Recording.RestartStaleAsync(connection, RecordingStage.Ingested, after, cancellationToken).ConfigureAwait(false))
                .Select(id => new RecordingIngested(id)));
        }
        if (images)
        {
            messages.Images.AddRange((await ItemStages.Image.RestartStaleAsync(connection, ImageStage.Ingested, after, cancellationToken).ConfigureAwait(false))
                .Select(id => new ImageIngested(id)));
        }
        return messages;
    }
}
