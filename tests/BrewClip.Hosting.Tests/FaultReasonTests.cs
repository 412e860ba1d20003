using BrewClip.Hosting.Bus;
using MassTransit;

namespace BrewClip.Hosting.Tests;

public sealed class FaultReasonTests
{
    [Fact]
    public void Names_the_stage_and_the_first_exception()
    {
        var fault = new TestFault([new TestExceptionInfo("System.IO.IOException", "disk full"), new TestExceptionInfo("System.Exception", "later")]);
        Assert.Equal("transcription failed after retries: System.IO.IOException: disk full", FaultReason.Describe(fault, "transcription"));
    }

    [Fact]
    public void Without_an_exception_says_only_what_failed()
        => Assert.Equal("processing failed", FaultReason.Describe(new TestFault([]), "processing"));

    private sealed record TestFault(ExceptionInfo[] Exceptions) : Fault
    {
        public Guid FaultId => Guid.Empty;
        public Guid? FaultedMessageId => null;
        public DateTime Timestamp => DateTime.UnixEpoch;
        public HostInfo Host => null!;
        public string[] FaultMessageTypes => [];
    }

    private sealed record TestExceptionInfo(string ExceptionType, string Message) : ExceptionInfo
    {
        public ExceptionInfo? InnerException => null;
        public string StackTrace => "";
        public string Source => "";
        public IDictionary<string, object> Data => new Dictionary<string, object>();
    }
}
