namespace BrewClip.Onnx;

/// <summary>A required execution provider (Models:RequireExecutionProvider=true) could not be added to a session.</summary>
public sealed class ExecutionProviderUnavailableException(string message, Exception inner) : Exception(message, inner);
