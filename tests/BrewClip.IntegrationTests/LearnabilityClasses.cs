namespace BrewClip.IntegrationTests;

/// <summary>The eight classes both learnability tests teach: a word each, and the ffmpeg pattern its picture is made from.</summary>
internal static class LearnabilityClasses
{
    // Words that differ in length and vowels: the fixture Whisper encoder is 16 random filters over the log-mel.
    public static readonly string[] Words = ["go", "seven", "banana", "umbrella", "tree", "helicopter", "moon", "xylophone"];

    /// <summary>Each class's picture, as an ffmpeg lavfi source (index as in <see cref="Words"/>).</summary>
    public static readonly string[] Patterns =
    [
        "testsrc=size=224x224", "smptebars=size=224x224", "rgbtestsrc=size=224x224", "mandelbrot=size=224x224",
        "color=c=red:size=224x224", "yuvtestsrc=size=224x224", "cellauto=size=224x224:rule=110", "color=c=blue:size=224x224",
    ];
}
