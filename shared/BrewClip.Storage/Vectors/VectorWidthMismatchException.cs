namespace BrewClip.Storage.Vectors;

/// <summary>Vectors whose width is not the width of the model version they were written for (features of two models).</summary>
public sealed class VectorWidthMismatchException(string message) : Exception(message);
