using System.Text.Json.Serialization;
using BrewClip.Autograd;

namespace BrewClip.Models.Training;

/// <summary>
/// Changes a training segment's cached Whisper states the way another speaker or another take of the same words
/// would, so the acoustic channel learns what was said rather than who said it or how fast: the frames stretched or
/// squeezed in time (another speaking rate), a span of them left out (a word clipped or swallowed), and noise added
/// in proportion to the states' own size. Only training sees it; validation and the index read the states as they are.
/// </summary>
public static class FeatureAugmentation
{
    /// <summary>
    /// The states [frames, width] changed by <paramref name="options"/>'s amounts, drawn from <paramref name="random"/>;
    /// the same states when every amount is 0 (and <paramref name="random"/> is not drawn from).
    /// </summary>
    public static Tensor Apply(Tensor states, AugmentationOptions options, Random random)
    {
        if (states.Rank != 2)
        {
            throw new ArgumentException($"Whisper states must be [frames, width]; got {states}.", nameof(states));
        }
        var result = states;
        if (options.TimeStretch > 0)
        {
            result = Stretch(result, 1 + options.TimeStretch * (2 * random.NextDouble() - 1));
        }
        if (options.FrameDrop > 0)
        {
            var frames = result.Shape[0];
            var span = (int)Math.Floor(random.NextDouble() * options.FrameDrop * frames);
            if (span > 0 && span < frames)
            {
                result = DropSpan(result, random.Next(frames - span + 1), span);
            }
        }
        if (options.Noise > 0)
        {
            result = AddNoise(result, options.Noise, random);
        }
        return result;
    }

    /// <summary>
    /// The states resampled in time by linear interpolation to round(frames x <paramref name="factor"/>) frames (at
    /// least 1): factor 1 returns the same values, above 1 the words last longer (slower speech), below 1 shorter.
    /// </summary>
    public static Tensor Stretch(Tensor states, double factor)
    {
        if (!(factor > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "A stretch factor must be above 0.");
        }
        var (frames, width) = (states.Shape[0], states.Shape[1]);
        var target = Math.Max(1, (int)Math.Round(frames * factor));
        var source = states.Contiguous().Span;
        if (target == frames)
        {
            return Tensor.FromArray(source.ToArray(), frames, width);
        }
        var output = new float[target * width];
        for (var t = 0; t < target; t++)
        {
            // The output frame's centre mapped back onto the input's frame centres, clamped at both ends.
            var position = Math.Clamp((t + 0.5) * frames / target - 0.5, 0, frames - 1);
            var low = (int)Math.Floor(position);
            var high = Math.Min(low + 1, frames - 1);
            var weight = (float)(position - low);
            var row = output.AsSpan(t * width, width);
            var lower = source.Slice(low * width, width);
            var upper = source.Slice(high * width, width);
            for (var d = 0; d < width; d++)
            {
                row[d] = lower[d] + weight * (upper[d] - lower[d]);
            }
        }
        return Tensor.FromArray(output, target, width);
    }

    /// <summary>The states without frames [start, start + count).</summary>
    public static Tensor DropSpan(Tensor states, int start, int count)
    {
        var (frames, width) = (states.Shape[0], states.Shape[1]);
        if (start < 0 || count < 0 || start + count > frames || count >= frames)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot drop frames {start}..{start + count} of {frames} and keep one.");
        }
        var source = states.Contiguous().Span;
        var output = new float[(frames - count) * width];
        source[..(start * width)].CopyTo(output);
        source[((start + count) * width)..].CopyTo(output.AsSpan(start * width));
        return Tensor.FromArray(output, frames - count, width);
    }

    /// <summary>The states plus Gaussian noise of standard deviation <paramref name="scale"/> x the states' root mean square.</summary>
    public static Tensor AddNoise(Tensor states, double scale, Random random)
    {
        var values = states.Contiguous().Span.ToArray();
        var rms = Math.Sqrt(values.Sum(v => (double)v * v) / Math.Max(1, values.Length));
        var sigma = scale * rms;
        for (var i = 0; i < values.Length; i++)
        {
            // Box-Muller: one normal draw from two uniform ones.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] += (float)(sigma * normal);
        }
        return Tensor.FromArray(values, states.Shape[0], states.Shape[1]);
    }
}

/// <summary>
/// How much <see cref="FeatureAugmentation"/> changes each training segment: <paramref name="TimeStretch"/> s stretches
/// time by a factor drawn from [1 - s, 1 + s]; <paramref name="FrameDrop"/> f leaves out a span of up to f of the frames;
/// <paramref name="Noise"/> n adds noise of n x the states' root mean square. All 0 changes nothing.
/// </summary>
public sealed record AugmentationOptions(
    [property: JsonPropertyName("time_stretch")] double TimeStretch = 0,
    [property: JsonPropertyName("frame_drop")] double FrameDrop = 0,
    [property: JsonPropertyName("noise")] double Noise = 0)
{
    public static readonly AugmentationOptions None = new();

    [JsonIgnore]
    public bool IsNone => TimeStretch <= 0 && FrameDrop <= 0 && Noise <= 0;
}
