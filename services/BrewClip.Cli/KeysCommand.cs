using System.CommandLine;
using System.Globalization;
using BrewClip.Hosting.Options;
using BrewClip.Queries;
using BrewClip.Storage;
using BrewClip.Storage.ApiKeys;

namespace BrewClip.Cli;

/// <summary>
/// <c>brewclip keys create NAME [--expires ...] | list | revoke NAME</c>: the Search service's API keys. Only a hash of
/// each key is stored; create prints the key once, and nothing prints it again.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "What the key is for (letters, digits, '.', '_' or '-'): it names the key in lists and logs." };
        var expires = new Option<string?>("--expires") { Description = $"When the key stops working: {QueryTime.AcceptedAhead}. Without it the key lasts until revoked." };
        var create = new Command("create", "Make a key and print it (once: only its hash is stored).") { name, expires };
        create.SetAction((result, cancellationToken) => CreateAsync(result.GetValue(name)!, result.GetValue(expires), cancellationToken));

        var list = new Command("list", "Show every key: name, prefix, when made, when it expires, whether it is live (never the secret).");
        list.SetAction((_, cancellationToken) => ListAsync(cancellationToken));

        var revokeName = new Argument<string>("name") { Description = "The key to revoke." };
        var revoke = new Command("revoke", "Revoke a key: every Search replica refuses it from its next request.") { revokeName };
        revoke.SetAction((result, cancellationToken) => RevokeAsync(result.GetValue(revokeName)!, cancellationToken));
        return new Command("keys", "API keys for the Search service (required when it listens beyond loopback, or with Search:RequireKeys).") { create, list, revoke };
    }

    private static async Task<int> CreateAsync(string name, string? expires, CancellationToken cancellationToken)
    {
        DateTimeOffset? expiresAt = null;
        if (expires is not null)
        {
            var now = DateTimeOffset.UtcNow;
            expiresAt = QueryTime.Parse(expires, now, ahead: true);
            if (expiresAt is null || expiresAt <= now)
            {
                Console.Error.WriteLine(expiresAt is null
                    ? $"brewclip: --expires must be {QueryTime.AcceptedAhead}; got '{expires}'"
                    : $"brewclip: --expires {expires} is not in the future");
                return ExitCodes.BadQuery;
            }
        }
        return await WithStoreAsync(async store =>
        {
            try
            {
                var (key, secret) = await store.CreateAsync(name, expiresAt, cancellationToken);
                Console.WriteLine(secret);
                Console.Error.WriteLine($"key '{key.Name}' (prefix {key.Prefix}) {(key.ExpiresAt is { } at ? $"expires {Time(at)}" : "lasts until revoked")}. " +
                    "Keep it now: only its hash is stored, and it cannot be shown again. Send it as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'.");
                return ExitCodes.Ok;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"brewclip: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}");
                return ExitCodes.BadQuery;
            }
        });
    }

    private static Task<int> ListAsync(CancellationToken cancellationToken) => WithStoreAsync(async store =>
    {
        var keys = await store.ListAsync(cancellationToken);
        if (keys.Count == 0)
        {
            Console.WriteLine("no keys; brewclip keys create NAME makes one");
            return ExitCodes.Ok;
        }
        var now = DateTimeOffset.UtcNow;
        var rows = keys.Select(k => new[]
        {
            k.Name, k.Prefix, Time(k.CreatedAt), k.ExpiresAt is { } at ? Time(at) : "never",
            k.StateAt(now) switch { "revoked" => $"revoked {Time(k.RevokedAt!.Value)}", var state => state },
        }).ToList();
        string[] header = ["name", "prefix", "created", "expires", "state"];
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }
        return ExitCodes.Ok;
    });

    private static Task<int> RevokeAsync(string name, CancellationToken cancellationToken) => WithStoreAsync(async store =>
    {
        if (!await store.RevokeAsync(name, cancellationToken))
        {
            Console.Error.WriteLine($"brewclip: no live key is named '{name}' (brewclip keys list shows them)");
            return ExitCodes.BadQuery;
        }
        Console.WriteLine($"revoked key '{name}': every Search replica refuses it from its next request");
        return ExitCodes.Ok;
    });

    private static async Task<int> WithStoreAsync(Func<ApiKeyStore, Task<int>> run)
    {
        var postgres = CliSettings.TryBind<PostgresOptions>(CliSettings.Load(), PostgresOptions.Section);
        if (postgres is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        return await run(new ApiKeyStore(dataSource));
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
