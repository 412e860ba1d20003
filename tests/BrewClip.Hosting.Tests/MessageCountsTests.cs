using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using MassTransit;

namespace BrewClip.Hosting.Tests;

public sealed class MessageCountsTests
{
    [Fact]
    public void Messages_are_named_as_their_consumers_queues_end_and_a_fault_after_its_message()
    {
        Assert.Equal("recording-ingested", MessageCounts.MessageName(typeof(RecordingIngested)));
        Assert.Equal("model-backfill-completed", MessageCounts.MessageName(typeof(ModelBackfillCompleted)));
        Assert.Equal("image-ingested-fault", MessageCounts.MessageName(typeof(Fault<ImageIngested>)));
        // A published fault is a class implementing Fault<T>.
        Assert.Equal("image-ingested-fault", MessageCounts.MessageName(typeof(PublishedFault)));
        Assert.EndsWith("-" + MessageCounts.MessageName(typeof(RecordingIngested)),
            BusRegistration.QueueName("t1-", "brewclip-transcription", nameof(RecordingIngested)), StringComparison.Ordinal);
    }

    private sealed class PublishedFault : Fault<ImageIngested>
    {
        public Guid FaultId => Guid.Empty;

        public Guid? FaultedMessageId => null;

        public DateTime Timestamp => DateTime.UnixEpoch;

        public ExceptionInfo[] Exceptions => [];

        public HostInfo Host => null!;

        public string[] FaultMessageTypes => [];

        public ImageIngested Message => new(1);
    }
}
