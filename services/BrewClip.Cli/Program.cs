using BrewClip.Cli;
using Npgsql;

// Database failures any command can meet are said in one line with what to do, not as a stack trace.
try
{
    var parsed = BrewClipCommand.Create().Parse(args);
    // A command line that does not parse is said in a line per problem, with where the help is, not the whole help.
    if (parsed.Errors.Count > 0 && args.Length > 0 && !args.Contains("--help") && !args.Contains("-h"))
    {
        var path = new List<string>();
        for (var command = parsed.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, command.Parent is null ? "brewclip" : command.Command.Name);
        }
        foreach (var error in parsed.Errors)
        {
            Console.Error.WriteLine($"brewclip: {ParseErrors.InUserWords(error.Message).TrimEnd('.')} (`{string.Join(' ', path)} --help` lists what it takes)");
        }
        return ExitCodes.Usage;
    }
    return await parsed.InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (PostgresException e)
{
    Console.Error.WriteLine($"brewclip: Postgres refused: {e.MessageText} ({e.SqlState}); if the schema is behind this build, run `brewclip db migrate` (`brewclip db status` shows it)");
    return ExitCodes.Failed;
}
catch (NpgsqlException e)
{
    Console.Error.WriteLine($"brewclip: cannot reach Postgres: {e.GetBaseException().Message}; is it running (`scripts/infra.sh up`), and is Postgres:ConnectionString " +
        "(BREWCLIP__Postgres__ConnectionString, or the checkout's .env) right?");
    return ExitCodes.Failed;
}
