namespace BrewClip.Training.ModelVersions;

/// <summary>A model request that cannot be carried out; the message says why and what to do, and nothing was changed.</summary>
internal sealed class ModelRequestRefusedException(string message) : Exception(message);
