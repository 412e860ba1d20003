namespace BrewClip.Autograd.Nn;

/// <summary>
/// A trainable building block: it registers its parameters and sub-modules by name, so a model can list
/// every parameter with a dotted path ("layer.attention.query.weight") for optimisers and checkpoints.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];
    private bool _training = true;

    /// <summary>Training mode turns dropout on; evaluation mode turns it off. Applies to sub-modules.</summary>
    public bool Training
    {
        get => _training;
        set
        {
            _training = value;
            foreach (var (_, child) in _children)
            {
                child.Training = value;
            }
        }
    }

    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var entry in _parameters)
        {
            yield return entry;
        }
        foreach (var (childName, child) in _children)
        {
            foreach (var (name, parameter) in child.NamedParameters())
            {
                yield return ($"{childName}.{name}", parameter);
            }
        }
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    public void ZeroGrad()
    {
        foreach (var parameter in Parameters())
        {
            parameter.Value.ZeroGrad();
        }
    }

    protected Parameter AddParameter(string name, Tensor value)
    {
        var parameter = new Parameter(value);
        _parameters.Add((name, parameter));
        return parameter;
    }

    protected T AddModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }
}
