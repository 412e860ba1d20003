using System.CommandLine;

namespace BrewClip.Cli;

/// <summary>The <c>brewclip</c> command line.</summary>
public static class BrewClipCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("BrewClip Pipeline: manage the database and see how the index stands.")
        {
            DbCommand.Create(),
            StatusCommand.Create(),
            ModelsCommand.Create(),
            FailuresCommand.Create(),
            TrainingCommands.Retrain(),
            TrainingCommands.Training(),
            SearchCommands.Search(),
            SearchCommands.Embed(),
            KeysCommand.Create(),
        };
        return root;
    }
}
