namespace BrewClip.Contracts;

/// <summary>
/// Asks Training for a run. Requests that arrive while a run is queued join it; the same
/// <paramref name="RequestId"/> twice is one request. Without <paramref name="Force"/>, the run trains only
/// when at least Training:MinNewPairs train pairs arrived since the last run that finished. Epochs and
/// FrameMatch (random, nearest, multiframe) override the service's settings for this run.
/// </summary>
public sealed record RetrainRequested(Guid RequestId, string RequestedBy, bool Force, int? Epochs = null, string? FrameMatch = null, string? Reason = null);
