namespace BrewClip.Onnx;

/// <summary>The ONNX Runtime native library could not be loaded; the message says from where and what to do.</summary>
public sealed class OnnxRuntimeNotFoundException(string message) : Exception(message);
