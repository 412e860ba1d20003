namespace BrewClip.Autograd;

/// <summary>
/// Whether operations record a graph for <see cref="Tensor.Backward"/>. Off inside
/// <c>using (GradMode.Disable())</c>: serving runs without keeping any graph. Per thread.
/// </summary>
public static class GradMode
{
    [ThreadStatic]
    private static int _disabledDepth;

    public static bool IsEnabled => _disabledDepth == 0;

    public static Scope Disable()
    {
        _disabledDepth++;
        return new Scope();
    }

    public readonly struct Scope : IDisposable
    {
        public void Dispose() => _disabledDepth--;
    }
}
