using BrewClip.Cli;
using Npgsql;

// Database failures any command can meet are said in one line with what to do, not as a stack trace.
try
{
    return await BrewClipCommand.Create().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
