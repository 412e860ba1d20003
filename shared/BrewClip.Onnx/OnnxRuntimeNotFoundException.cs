namespace BrewClip.Onnx;

/// <summary>The ONNX Runtime native library is in none of the places it is looked for.</summary>
public sealed class OnnxRuntimeNotFoundException(string message) : Exception(message);
