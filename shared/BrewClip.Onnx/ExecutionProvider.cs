namespace BrewClip.Onnx;

public enum ExecutionProvider
{
    Cpu,
    Cuda,
}
