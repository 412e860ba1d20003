using Npgsql;

namespace BrewClip.Storage.ApiKeys;

/// <summary>A key as stored: never its secret, only its name, prefix and dates.</summary>
public sealed record ApiKey(string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)
{
    /// <summary>live, expired or revoked, at <paramref name="now"/>.</summary>
    public string StateAt(DateTimeOffset now) => RevokedAt is not null ? "revoked" : ExpiresAt <= now ? "expired" : "live";
}

/// <summary>What checking a presented key found.</summary>
/// <param name="Key">The key it is, when its prefix and hash match a row (live or not).</param>
/// <param name="SecretSha256">That row's hash, which also signs the key's short-lived content URLs.</param>
public sealed record ApiKeyMatch(ApiKey Key, byte[] SecretSha256);

/// <summary>
/// brewclip.api_keys: <c>brewclip keys</c> creates, lists and revokes keys (the table's one writer); the Search service
/// finds a presented key's row on every request, so a revoked key stops working at once on every replica.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "name, prefix, created_at, expires_at, revoked_at";

    /// <summary>Creates a key; returns it with the secret, which is stored nowhere and cannot be shown again.</summary>
    /// <exception cref="ArgumentException">The name is not a valid key name, or a live key has it.</exception>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        var (secret, prefix) = ApiKeySecret.Generate();
        await using var command = dataSource.CreateCommand($"""
            insert into brewclip.api_keys (name, prefix, secret_sha256, expires_at) values ($1, $2, $3, $4) returning {Columns}
            """);
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = prefix });
        command.Parameters.Add(new() { Value = ApiKeySecret.Hash(secret) });
        command.Parameters.Add(new() { Value = (object?)expiresAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (Read(reader), secret);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "api_keys_live_name")
        {
            throw new ArgumentException($"a live key is named '{name}' already; revoke it first or choose another name", nameof(name), e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation)
        {
            throw new ArgumentException($"'{name}' is not a key name: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", nameof(name), e);
        }
    }

    /// <summary>Every key, live ones first, newest first.</summary>
    public async Task<List<ApiKey>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from brewclip.api_keys order by revoked_at is not null, created_at desc, id desc");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(Read(reader));
        }
        return keys;
    }

    /// <summary>Revokes the live key of that name; false when there is none.</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("update brewclip.api_keys set revoked_at = now() where name = $1 and revoked_at is null");
        command.Parameters.Add(new() { Value = name });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>The row a presented key is (by its prefix, then its hash), or null when it is no key of this index.</summary>
    public async Task<ApiKeyMatch?> FindAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (ApiKeySecret.PrefixOf(presented) is not { } prefix || await FindByPrefixAsync(prefix, cancellationToken).ConfigureAwait(false) is not { } match)
        {
            return null;
        }
        return ApiKeySecret.Matches(presented, match.SecretSha256) ? match : null;
    }

    /// <summary>The row of a key by its prefix alone (a signed content URL names its key so).</summary>
    public async Task<ApiKeyMatch?> FindByPrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"select {Columns}, secret_sha256 from brewclip.api_keys where prefix = $1");
        command.Parameters.Add(new() { Value = prefix });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new ApiKeyMatch(Read(reader), (byte[])reader[5]) : null;
    }

    private static ApiKey Read(NpgsqlDataReader reader) => new(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
        reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
}
