namespace BrewClip.Contracts;

/// <summary>Training's answer when a model request cannot be carried out, and why; nothing was changed.</summary>
public sealed record ModelRequestRefused(string Reason);
