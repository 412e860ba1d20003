namespace BrewClip.Autograd.Safetensors;

/// <summary>The element types this project writes and reads.</summary>
public enum SafetensorsDType
{
    F32,
    F16,
}
