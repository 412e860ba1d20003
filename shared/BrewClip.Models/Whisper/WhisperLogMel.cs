using System.Numerics.Tensors;
using BrewClip.Autograd.Gemm;

namespace BrewClip.Models.Whisper;

/// <summary>
/// Whisper's log-mel features, as its reference implementation computes them: 16 kHz mono, a periodic
/// Hann window of 400 samples every 160 (centred, reflect-padded), the power spectrum (the last frame
/// dropped), a Slaney-scale mel filterbank with Slaney normalisation (80 bins, or 128 for large-v3),
/// log10 floored at 1e-10, clamped to (max - 8), then (x + 4) / 4. The DFT and the filterbank are
/// matrix products, so a 30 s window costs two GEMMs.
/// </summary>
public sealed class WhisperLogMel
{
    public const int SampleRate = 16000;
    public const int FftSize = 400;
    public const int HopLength = 160;
    public const int WindowSamples = 30 * SampleRate;
    public const int WindowFrames = WindowSamples / HopLength;
    private const int Bins = FftSize / 2 + 1;

    private readonly float[] _basis;
    private readonly float[] _filters;

    public WhisperLogMel(int melBins = 80)
    {
        if (melBins <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(melBins));
        }
        MelBins = melBins;
        _basis = WindowedDftBasis();
        _filters = SlaneyFilterbank(melBins);
    }

    public int MelBins { get; }

    /// <summary>The mel filterbank [MelBins, 201], row-major (for tests and inspection).</summary>
    public ReadOnlySpan<float> Filters => _filters;

    /// <summary>Features of exactly one 30 s window: the audio padded with silence or trimmed to 480,000 samples, giving [MelBins, 3000].</summary>
    public float[] ComputeWindow(ReadOnlySpan<float> samples)
    {
        var window = new float[WindowSamples];
        samples[..Math.Min(samples.Length, WindowSamples)].CopyTo(window);
        return Compute(window);
    }

    /// <summary>Features of the whole signal: [MelBins, samples / 160] row-major (mel bin major, as the encoder's input_features).</summary>
    public float[] Compute(ReadOnlySpan<float> samples)
    {
        if (samples.Length <= FftSize / 2)
        {
            throw new ArgumentException($"Reflect padding needs more than {FftSize / 2} samples; got {samples.Length}.", nameof(samples));
        }
        var frames = samples.Length / HopLength; // 1 + len/hop frames, the last dropped
        var padded = ReflectPad(samples, FftSize / 2);

        // Frames as rows [frames, 400], then one product with the windowed DFT basis [400, 2 * 201].
        var framed = new float[frames * FftSize];
        for (var f = 0; f < frames; f++)
        {
            padded.AsSpan(f * HopLength, FftSize).CopyTo(framed.AsSpan(f * FftSize, FftSize));
        }
        var spectrum = new float[frames * 2 * Bins];
        var gemm = GemmBackends.Current;
        gemm.Multiply(false, false, frames, 2 * Bins, FftSize, 1f, framed, 0, FftSize, _basis, 0, 2 * Bins, 0f, spectrum, 0, 2 * Bins, parallel: true);

        var power = new float[frames * Bins];
        for (var f = 0; f < frames; f++)
        {
            var re = spectrum.AsSpan(f * 2 * Bins, Bins);
            var im = spectrum.AsSpan(f * 2 * Bins + Bins, Bins);
            var p = power.AsSpan(f * Bins, Bins);
            TensorPrimitives.Multiply(re, re, p);
            TensorPrimitives.MultiplyAdd(im, im, p, p);
        }

        // mel [MelBins, frames] = filters [MelBins, 201] x power^T [201, frames]
        var mel = new float[MelBins * frames];
        gemm.Multiply(false, true, MelBins, frames, Bins, 1f, _filters, 0, Bins, power, 0, Bins, 0f, mel, 0, frames, parallel: true);

        TensorPrimitives.Max(mel, 1e-10f, mel);
        TensorPrimitives.Log10(mel, mel);
        var floor = TensorPrimitives.Max(mel) - 8f;
        TensorPrimitives.Max(mel, floor, mel);
        TensorPrimitives.Add(mel, 4f, mel);
        TensorPrimitives.Multiply(mel, 0.25f, mel);
        return mel;
    }

    private static float[] ReflectPad(ReadOnlySpan<float> samples, int pad)
    {
        var padded = new float[samples.Length + 2 * pad];
        samples.CopyTo(padded.AsSpan(pad));
        for (var i = 1; i <= pad; i++)
        {
            padded[pad - i] = samples[i];
            padded[pad + samples.Length - 1 + i] = samples[samples.Length - 1 - i];
        }
        return padded;
    }

    /// <summary>[400, 2 * 201]: columns 0..200 are w[n] cos(2πkn/N), columns 201..401 are -w[n] sin(2πkn/N).</summary>
    private static float[] WindowedDftBasis()
    {
        var basis = new float[FftSize * 2 * Bins];
        for (var n = 0; n < FftSize; n++)
        {
            var window = 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / FftSize); // periodic Hann
            for (var k = 0; k < Bins; k++)
            {
                var angle = 2 * Math.PI * k * n / FftSize;
                basis[n * 2 * Bins + k] = (float)(window * Math.Cos(angle));
                basis[n * 2 * Bins + Bins + k] = (float)(-window * Math.Sin(angle));
            }
        }
        return basis;
    }

    /// <summary>Slaney-scale triangular filters over the 201 FFT bins (0-8 kHz), each scaled to unit area (Slaney normalisation).</summary>
    private static float[] SlaneyFilterbank(int melBins)
    {
        var fftFrequencies = Enumerable.Range(0, Bins).Select(k => k * (SampleRate / 2.0) / (Bins - 1)).ToArray();
        var lowMel = HzToMel(0);
        var highMel = HzToMel(SampleRate / 2.0);
        var edges = Enumerable.Range(0, melBins + 2).Select(i => MelToHz(lowMel + (highMel - lowMel) * i / (melBins + 1))).ToArray();
        var filters = new float[melBins * Bins];
        for (var m = 0; m < melBins; m++)
        {
            var scale = 2.0 / (edges[m + 2] - edges[m]);
            for (var k = 0; k < Bins; k++)
            {
                var rising = (fftFrequencies[k] - edges[m]) / (edges[m + 1] - edges[m]);
                var falling = (edges[m + 2] - fftFrequencies[k]) / (edges[m + 2] - edges[m + 1]);
                filters[m * Bins + k] = (float)(Math.Max(0, Math.Min(rising, falling)) * scale);
            }
        }
        return filters;
    }

    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    private static double HzToMel(double hz) => hz >= 1000 ? 15.0 + Math.Log(hz / 1000.0) / LogStep : 3.0 * hz / 200.0;

    private static double MelToHz(double mel) => mel >= 15.0 ? 1000.0 * Math.Exp(LogStep * (mel - 15.0)) : 200.0 * mel / 3.0;
}
