namespace BrewClip.Hosting.Bus;

/// <summary>Counts at one moment: messages published by name, and per queue the deliveries handled and how many of them faulted.</summary>
public sealed record MessageCountsSnapshot(IReadOnlyDictionary<string, long> Published, IReadOnlyDictionary<string, QueueCountSnapshot> Queues);
