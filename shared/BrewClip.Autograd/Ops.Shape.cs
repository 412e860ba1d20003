namespace BrewClip.Autograd;

public static partial class Ops
{
    /// <summary>A contiguous copy.</summary>
    public static Tensor Copy(Tensor x)
    {
        var data = new float[x.Size];
        CopyStrided(x.Storage, x.Offset, x.Shape, x.Strides, data);
        return Result(data, (int[])x.Shape.Clone(), [x], g => x.AdoptGrad(g));
    }

    /// <summary>The same values in a new shape (one dimension may be -1). A view when contiguous.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var resolved = (int[])shape.Clone();
        var unknown = Array.IndexOf(resolved, -1);
        if (unknown >= 0)
        {
            var known = 1;
            for (var i = 0; i < resolved.Length; i++)
            {
                if (i != unknown)
                {
                    known *= resolved[i];
                }
            }
            resolved[unknown] = known == 0 ? 0 : x.Size / known;
        }
        if (Shapes.Size(resolved) != x.Size)
        {
            throw new ArgumentException($"Cannot reshape {Shapes.Format(x.Shape)} ({x.Size} values) to {Shapes.Format(shape)}.");
        }
        var source = x.Contiguous();
        return View(source, source.Offset, resolved, Shapes.ContiguousStrides(resolved), g => source.AdoptGrad(g));
    }

    /// <summary>Swaps two dimensions: a view with exchanged strides.</summary>
    public static Tensor Transpose(Tensor x, int dim0 = -2, int dim1 = -1)
    {
        var a = Shapes.NormalizeAxis(dim0, x.Rank);
        var b = Shapes.NormalizeAxis(dim1, x.Rank);
        var shape = (int[])x.Shape.Clone();
        var strides = (int[])x.Strides.Clone();
        (shape[a], shape[b]) = (shape[b], shape[a]);
        (strides[a], strides[b]) = (strides[b], strides[a]);
        return View(x, x.Offset, shape, strides, g =>
        {
            // g is laid out in the transposed shape; read it back with swapped strides.
            var gStrides = Shapes.ContiguousStrides(shape);
            (gStrides[a], gStrides[b]) = (gStrides[b], gStrides[a]);
            var back = new float[x.Size];
            CopyStrided(g, 0, x.Shape, gStrides, back);
            x.AdoptGrad(back);
        });
    }

    /// <summary><paramref name="length"/> entries of one dimension starting at <paramref name="start"/>: a view.</summary>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        var d = Shapes.NormalizeAxis(axis, x.Rank);
        if (start < 0 || length < 0 || start + length > x.Shape[d])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside dimension {d} of size {x.Shape[d]}.");
        }
        var shape = (int[])x.Shape.Clone();
        shape[d] = length;
        var offset = x.Offset + start * x.Strides[d];
        return View(x, offset, shape, x.Strides, g =>
        {
            // Place g at the slice's position in a gradient of the input's contiguous layout.
            var strides = Shapes.ContiguousStrides(x.Shape);
            AddStrided(g, x.GradTarget(), start * strides[d], shape, strides);
        });
    }

    /// <summary>Joins tensors along an existing dimension.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("Concat needs at least one tensor.", nameof(parts));
        }
        var rank = parts[0].Rank;
        var d = Shapes.NormalizeAxis(axis, rank);
        var shape = (int[])parts[0].Shape.Clone();
        shape[d] = 0;
        foreach (var part in parts)
        {
            for (var i = 0; i < rank; i++)
            {
                if (i != d && part.Shape[i] != parts[0].Shape[i] || part.Rank != rank)
                {
                    throw new ArgumentException($"Concat along {d}: shape {Shapes.Format(part.Shape)} does not match {Shapes.Format(parts[0].Shape)}.");
                }
            }
            shape[d] += part.Shape[d];
        }

        var outer = 1;
        for (var i = 0; i < d; i++)
        {
            outer *= shape[i];
        }
        var innerBlock = Shapes.Size(shape) / Math.Max(1, outer);
        var data = new float[Shapes.Size(shape)];
        var blocks = parts.Select(p => p.Size / Math.Max(1, outer)).ToArray();
        var starts = new int[parts.Count];
        for (var p = 1; p < parts.Count; p++)
        {
            starts[p] = starts[p - 1] + blocks[p - 1];
        }
        for (var p = 0; p < parts.Count; p++)
        {
            var values = parts[p].Contiguous().Span;
            for (var o = 0; o < outer; o++)
            {
                values.Slice(o * blocks[p], blocks[p]).CopyTo(data.AsSpan(o * innerBlock + starts[p], blocks[p]));
            }
        }
        var inputs = parts.ToArray();
        return Result(data, shape, inputs, g =>
        {
            for (var p = 0; p < inputs.Length; p++)
            {
                if (!inputs[p].RequiresGrad)
                {
                    continue;
                }
                var part = new float[inputs[p].Size];
                for (var o = 0; o < outer; o++)
                {
                    g.AsSpan(o * innerBlock + starts[p], blocks[p]).CopyTo(part.AsSpan(o * blocks[p], blocks[p]));
                }
                inputs[p].AdoptGrad(part);
            }
        });
    }
}
