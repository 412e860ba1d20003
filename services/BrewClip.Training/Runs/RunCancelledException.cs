namespace BrewClip.Training.Runs;

/// <summary>Someone cancelled the run (brewclip retrain --cancel, brewclip.cancel_retrain()).</summary>
internal sealed class RunCancelledException() : Exception("cancelled on request");
