namespace BrewClip.Onnx;

/// <summary>An error ONNX Runtime reported, with its error code and message.</summary>
public sealed class OnnxRuntimeException(OrtErrorCode code, string message)
    : Exception($"ONNX Runtime error {code}: {message}")
{
    public OrtErrorCode Code { get; } = code;

    public string RuntimeMessage { get; } = message;
}
