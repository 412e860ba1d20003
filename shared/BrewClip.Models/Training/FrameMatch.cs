
namespace BrewClip.Models.Training;

/// <summary>
/// How a video's audio is paired with its frames while training (Tsubaki et al., arXiv 2403.10756):
/// <c>Random</c> one frame per step; <c>Nearest</c> random during warm-up, then the frame most similar to
/// the audio; <c>Multiframe</c> the audio cut into the frames' spans, each span against its frame.
/// </summary>
public enum FrameMatch
{
    Random,
    Nearest,
    Multiframe,
}
