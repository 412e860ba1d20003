namespace BrewClip.Onnx;

public enum GraphOptimizationLevel
{
    None = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}
