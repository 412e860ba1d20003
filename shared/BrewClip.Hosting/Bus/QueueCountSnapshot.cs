namespace BrewClip.Hosting.Bus;

/// <summary>One queue's deliveries handled by this process (consumed, or moved to the error queue) and how many of them faulted.</summary>
public sealed record QueueCountSnapshot(long Handled, long Faulted);
