namespace BrewClip.Storage.Stages;

/// <summary>A stage change the machine does not allow, naming the item and both stages.</summary>
public sealed class StageTransitionException(string message) : InvalidOperationException(message);
