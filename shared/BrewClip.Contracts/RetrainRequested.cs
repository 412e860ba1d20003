namespace BrewClip.Contracts;

/// <summary>Asks Training for a run now. Without <paramref name="Force"/>, a run starts only when enough new pairs arrived.</summary>
public sealed record RetrainRequested(Guid RequestId, string RequestedBy, bool Force);
