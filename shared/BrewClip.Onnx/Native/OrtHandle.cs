using System.Runtime.InteropServices;

namespace BrewClip.Onnx.Native;

/// <summary>An ONNX Runtime object released exactly once, by the release function of its kind.</summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private readonly delegate* unmanaged<nint, void> _release;

    public OrtHandle(nint handle, delegate* unmanaged<nint, void> release) : base(0, ownsHandle: true)
    {
        _release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        return true;
    }
}
