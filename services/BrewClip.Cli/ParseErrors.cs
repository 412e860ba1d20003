using System.Text.RegularExpressions;

namespace BrewClip.Cli;

/// <summary>The command-line parser's messages with .NET type names said as what a person types.</summary>
internal static partial class ParseErrors
{
    public static string InUserWords(string message) => TypeName().Replace(message, match => match.Groups["type"].Value switch
    {
        "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "as a whole number",
        "System.Double" or "System.Nullable`1[System.Double]" => "as a number",
        "System.Boolean" => "as true or false",
        var type => $"as {type[(type.LastIndexOf('.') + 1)..].TrimEnd(']')}",
    });

    [GeneratedRegex(@"as expected type '(?<type>[^']+)'")]
    private static partial Regex TypeName();
}
