using BrewClip.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace BrewClip.Hosting.Tests;

public sealed class DotEnvFileTests
{
    [Fact]
    public void Parses_plain_quoted_exported_and_commented_lines()
    {
        var entries = DotEnvFile.Parse("""
            # a comment
            A=plain value # trailing comment
            export B=exported

            C='single # not a comment'
            D="double \"quoted\"\nnext"
            E=
            F=a=b
            """);
        Assert.Equal(
            [new("A", "plain value"), new("B", "exported"), new("C", "single # not a comment"),
             new("D", "double \"quoted\"\nnext"), new("E", ""), new("F", "a=b")],
            entries);
    }

    [Fact]
    public void Line_without_equals_names_file_and_line()
    {
        var e = Assert.Throws<FormatException>(() => DotEnvFile.Parse("A=1\nnot a setting\n", "/srv/.env"));
        Assert.Contains("/srv/.env:2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unclosed_quote_is_an_error()
    {
        Assert.Throws<FormatException>(() => DotEnvFile.Parse("A=\"open"));
    }

    [Fact]
    public void Only_brewclip_keys_become_configuration_with_sections()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "BREWCLIP__RabbitMq__Port=5673\nBREWCLIP__Postgres__MigrateOnStart=true\nPATH=/nope\n");
            var configuration = new ConfigurationBuilder().Add(new DotEnvConfigurationSource(path)).Build();
            Assert.Equal("5673", configuration["RabbitMq:Port"]);
            Assert.Equal("true", configuration["Postgres:MigrateOnStart"]);
            Assert.Null(configuration["PATH"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_file_is_no_configuration()
    {
        var configuration = new ConfigurationBuilder().Add(new DotEnvConfigurationSource("/nonexistent/.env")).Build();
        Assert.Empty(configuration.AsEnumerable());
    }

    [Fact]
    public void Environment_variable_name_mirrors_the_key()
    {
        Assert.Equal("BREWCLIP__RabbitMq__Port", BrewClipConfiguration.EnvironmentVariableFor("RabbitMq:Port"));
    }
}
