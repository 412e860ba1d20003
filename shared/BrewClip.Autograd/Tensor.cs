using System.Numerics.Tensors;

namespace BrewClip.Autograd;

/// <summary>
/// A dense float32 tensor on the CPU: a shape and strides over a shared buffer, so reshape, transpose
/// and slice are views. Operations (in <see cref="Ops"/>) record a graph when an input requires a
/// gradient and <see cref="GradMode"/> is on; <see cref="Backward"/> runs it in reverse.
/// </summary>
public sealed class Tensor
{
    internal Tensor(float[] storage, int offset, int[] shape, int[] strides)
    {
        Storage = storage;
        Offset = offset;
        Shape = shape;
        Strides = strides;
        Size = Shapes.Size(shape);
    }

    internal Tensor(float[] data, int[] shape) : this(data, 0, shape, Shapes.ContiguousStrides(shape))
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"{data.Length} values cannot fill shape {Shapes.Format(shape)}.");
        }
    }

    internal float[] Storage { get; }

    internal int Offset { get; }

    internal int[] Strides { get; }

    internal GraphNode? Node { get; set; }

    internal float[]? GradBuffer { get; set; }

    public int[] Shape { get; }

    public int Rank => Shape.Length;

    public int Size { get; }

    /// <summary>Whether gradients flow into this tensor: parameters, and every result computed from one.</summary>
    public bool RequiresGrad { get; internal set; }

    /// <summary>The accumulated gradient, or null before any backward pass reached it.</summary>
    public Tensor? Grad => GradBuffer is null ? null : new Tensor(GradBuffer, (int[])Shape.Clone());

    public bool IsContiguous
    {
        get
        {
            var expected = 1;
            for (var i = Rank - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != expected)
                {
                    return false;
                }
                expected *= Shape[i];
            }
            return true;
        }
    }

    public static Tensor FromArray(float[] data, params int[] shape)
    {
        var size = Shapes.Size(shape);
        if (data.Length != size)
        {
            throw new ArgumentException($"{data.Length} values do not make shape {Shapes.Format(shape)} ({size} values).");
        }
        return new Tensor(data, (int[])shape.Clone());
    }

    public static Tensor Zeros(params int[] shape) => new(new float[Shapes.Size(shape)], (int[])shape.Clone());

    public static Tensor Full(float value, params int[] shape)
    {
        var data = new float[Shapes.Size(shape)];
        Array.Fill(data, value);
        return new Tensor(data, (int[])shape.Clone());
    }

    /// <summary>Normal(0, std²) values from <paramref name="random"/>.</summary>
    public static Tensor RandomNormal(Random random, float std, params int[] shape)
    {
        var data = new float[Shapes.Size(shape)];
        for (var i = 0; i < data.Length; i++)
        {
            // Box-Muller; 1 - u keeps the logarithm finite.
            var u = 1 - random.NextDouble();
            data[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        return new Tensor(data, (int[])shape.Clone());
    }

    /// <summary>Uniform values in [low, high) from <paramref name="random"/>.</summary>
    public static Tensor RandomUniform(Random random, float low, float high, params int[] shape)
    {
        var data = new float[Shapes.Size(shape)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(low + (high - low) * random.NextDouble());
        }
        return new Tensor(data, (int[])shape.Clone());
    }

    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params int[] index]
    {
        get => Storage[OffsetOf(index)];
        set => Storage[OffsetOf(index)] = value;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item() => Size == 1 ? Storage[Offset] : throw new InvalidOperationException($"Item() needs one element; this tensor has shape {Shapes.Format(Shape)}.");

    /// <summary>The values in row-major order (a copy).</summary>
    public float[] ToArray() => Contiguous().Span.ToArray();

    /// <summary>The values of a contiguous tensor, in place.</summary>
    public Span<float> Span => IsContiguous
        ? Storage.AsSpan(Offset, Size)
        : throw new InvalidOperationException("Span needs a contiguous tensor; call Contiguous() first.");

    /// <summary>The same values without a graph: no gradient flows through the result.</summary>
    public Tensor Detach() => new(Storage, Offset, Shape, Strides);

    /// <summary>This tensor if contiguous, otherwise a contiguous copy (recorded for backward).</summary>
    public Tensor Contiguous() => IsContiguous ? this : Ops.Copy(this);

    /// <summary>Makes this tensor a leaf that collects gradients (used by parameters).</summary>
    public Tensor RequireGrad()
    {
        if (Node is not null)
        {
            throw new InvalidOperationException("Only a leaf tensor (not the result of an op) can be made to require gradients.");
        }
        RequiresGrad = true;
        return this;
    }

    public void ZeroGrad() => GradBuffer = null;

    /// <summary>
    /// Back-propagates from this scalar: every tensor that requires a gradient and led to it gets
    /// d(this)/d(it) added to its <see cref="Grad"/>. The graph is released afterwards.
    /// </summary>
    public void Backward()
    {
        if (Size != 1)
        {
            throw new InvalidOperationException($"Backward() starts from a scalar; this tensor has shape {Shapes.Format(Shape)}.");
        }
        if (!RequiresGrad)
        {
            throw new InvalidOperationException("Backward() on a tensor that does not require gradients: no parameter led to it.");
        }

        var order = TopologicalOrder();
        AccumulateGrad([1f]);
        for (var i = order.Count - 1; i >= 0; i--)
        {
            var tensor = order[i];
            var node = tensor.Node!;
            if (tensor.GradBuffer is { } grad)
            {
                node.Backward(grad);
            }
            // Intermediate results free their gradient and graph as soon as they have passed them on.
            tensor.GradBuffer = null;
            tensor.Node = null;
        }
    }

    internal void AccumulateGrad(ReadOnlySpan<float> grad)
    {
        if (!RequiresGrad)
        {
            return;
        }
        if (GradBuffer is null)
        {
            GradBuffer = grad.ToArray();
        }
        else
        {
            TensorPrimitives.Add(GradBuffer, grad, GradBuffer);
        }
    }

    /// <summary>Accumulates a gradient held in a buffer the caller gives up: the first one is kept as is, without a copy.</summary>
    internal void AdoptGrad(float[] owned)
    {
        if (!RequiresGrad)
        {
            return;
        }
        if (GradBuffer is null && owned.Length == Size)
        {
            GradBuffer = owned;
        }
        else
        {
            AccumulateGrad(owned.AsSpan(0, Size));
        }
    }

    /// <summary>The buffer to accumulate a gradient into, allocated zeroed on first use.</summary>
    internal float[] GradTarget() => GradBuffer ??= new float[Size];

    private List<Tensor> TopologicalOrder()
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, bool Expanded)>();
        stack.Push((this, false));
        while (stack.Count > 0)
        {
            var (tensor, expanded) = stack.Pop();
            if (expanded)
            {
                order.Add(tensor);
                continue;
            }
            if (tensor.Node is null || !visited.Add(tensor))
            {
                continue;
            }
            stack.Push((tensor, true));
            foreach (var input in tensor.Node.Inputs)
            {
                if (input.RequiresGrad && input.Node is not null && !visited.Contains(input))
                {
                    stack.Push((input, false));
                }
            }
        }
        return order;
    }

    private int OffsetOf(int[] index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"Index of rank {index.Length} for a tensor of rank {Rank}.");
        }
        var offset = Offset;
        for (var i = 0; i < Rank; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i])
            {
                throw new IndexOutOfRangeException($"Index {index[i]} is out of range for dimension {i} of size {Shape[i]}.");
            }
            offset += index[i] * Strides[i];
        }
        return offset;
    }

    public override string ToString() => $"Tensor{Shapes.Format(Shape)}";
}
