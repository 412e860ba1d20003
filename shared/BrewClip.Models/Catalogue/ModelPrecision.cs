namespace BrewClip.Models.Catalogue;

/// <summary>
/// Which published weights of a model to run: the full-precision export, or its 8-bit variant (the exports'
/// <c>_quantized</c> files: dynamic quantisation with uint8 weights, which ONNX Runtime's CPU provider runs; the signed
/// <c>_int8</c> files are not used, because the CPU provider implements ConvInteger for uint8 weights only).
/// </summary>
public enum ModelPrecision
{
    Fp32,
    Int8,
}

public static class ModelPrecisions
{
    /// <summary>The option value: <c>fp32</c> or <c>int8</c>.</summary>
    public static string Name(this ModelPrecision precision) => precision == ModelPrecision.Int8 ? "int8" : "fp32";

    public static bool TryParse(string? value, out ModelPrecision precision)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "fp32":
                precision = ModelPrecision.Fp32;
                return true;
            case "int8":
                precision = ModelPrecision.Int8;
                return true;
            default:
                precision = ModelPrecision.Fp32;
                return false;
        }
    }
}
