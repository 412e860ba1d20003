using Microsoft.ML.OnnxRuntime;

namespace BrewClip.Onnx;

/// <summary>The outputs of one run, by name; their memory belongs to ONNX Runtime until this is disposed.</summary>
public sealed class OnnxOutputs : IDisposable
{
    private readonly IDisposableReadOnlyCollection<OrtValue> _values;
    private readonly Dictionary<string, OnnxOutput> _byName = new(StringComparer.Ordinal);
    private bool _disposed;

    internal OnnxOutputs(IDisposableReadOnlyCollection<OrtValue> values, IReadOnlyList<string> names)
    {
        _values = values;
        var i = 0;
        foreach (var value in values)
        {
            _byName.Add(names[i], new OnnxOutput(this, names[i], value));
            i++;
        }
    }

    public OnnxOutput this[string name] => _byName.TryGetValue(name, out var output)
        ? output
        : throw new KeyNotFoundException($"The run did not ask for output '{name}'; it has {string.Join(", ", _byName.Keys)}.");

    public IReadOnlyCollection<OnnxOutput> All => _byName.Values;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _values.Dispose();
    }
}
