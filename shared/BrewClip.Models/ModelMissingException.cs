namespace BrewClip.Models;

/// <summary>A model file the service needs is not in the model store.</summary>
public sealed class ModelMissingException(string message) : Exception(message);
