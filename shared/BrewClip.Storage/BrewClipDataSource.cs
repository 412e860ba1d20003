using Microsoft.Extensions.Logging;
using Npgsql;

namespace BrewClip.Storage;

public static class BrewClipDataSource
{
    /// <summary>A data source for the BrewClip database, with pgvector's types mapped (Pgvector's <c>Vector</c> and <c>HalfVector</c>).</summary>
    public static NpgsqlDataSource Create(string connectionString, ILoggerFactory? loggerFactory = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseVector();
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }
        return builder.Build();
    }
}
