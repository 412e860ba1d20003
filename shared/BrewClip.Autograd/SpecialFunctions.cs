namespace BrewClip.Autograd;

public static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>
    /// The error function in double arithmetic: its Maclaurin series below 0.5 (relative error under
    /// 1e-8 there, so GELU stays accurate near zero), Abramowitz and Stegun 7.1.26 above (absolute error
    /// under 1.5e-7, below float32's resolution near 1).
    /// </summary>
    public static float Erf(float x)
    {
        double v = x;
        var ax = Math.Abs(v);
        if (ax < 0.5)
        {
            var x2 = v * v;
            // 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), n = 0..5
            var series = 1 - x2 * (1.0 / 3 - x2 * (1.0 / 10 - x2 * (1.0 / 42 - x2 * (1.0 / 216 - x2 / 1320))));
            return (float)(TwoOverSqrtPi * v * series);
        }
        var t = 1.0 / (1.0 + 0.3275911 * ax);
        var poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        var y = 1.0 - poly * Math.Exp(-ax * ax);
        return (float)(v < 0 ? -y : y);
    }
}
