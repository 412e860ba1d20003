using BrewClip.Onnx.Native;

namespace BrewClip.Onnx;

/// <summary>The outputs of one run, owning ONNX Runtime's buffers until disposed.</summary>
public sealed class OnnxOutputs : IDisposable
{
    private readonly OrtHandle[] _values;
    private readonly Dictionary<string, OnnxOutput> _byName = new(StringComparer.Ordinal);
    private bool _disposed;

    internal OnnxOutputs(OrtHandle[] values)
    {
        _values = values;
    }

    public OnnxOutput this[string name] => _byName.TryGetValue(name, out var output)
        ? output
        : throw new KeyNotFoundException($"The run did not ask for output '{name}'; it has {string.Join(", ", _byName.Keys)}.");

    public IReadOnlyCollection<OnnxOutput> All => _byName.Values;

    internal void Add(OnnxOutput output) => _byName.Add(output.Name, output);

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var value in _values)
        {
            value.Dispose();
        }
    }
}
