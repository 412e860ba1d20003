namespace BrewClip.Testing;

/// <summary>Environment for a service process pointed at a test database and the test broker.</summary>
public static class StackSettings
{
    public static string PrefixOf(TestDatabase db)
        => "t" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(db.Name)))[..8] + "-";

    public static Dictionary<string, string> For(TestDatabase db, int healthPort)
    {
        var rabbit = TestSettings.RabbitMq;
        return new Dictionary<string, string>
        {
            ["BREWCLIP__Postgres__ConnectionString"] = db.ConnectionString,
            ["BREWCLIP__RabbitMq__Host"] = rabbit.Host,
            ["BREWCLIP__RabbitMq__Port"] = rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["BREWCLIP__RabbitMq__VirtualHost"] = rabbit.VirtualHost,
            ["BREWCLIP__RabbitMq__Username"] = rabbit.Username,
            ["BREWCLIP__RabbitMq__Password"] = rabbit.Password,
            // One prefix per test database: every process of a test shares its queues' and exchanges' names,
            // and no other test's messages reach them.
            ["BREWCLIP__RabbitMq__QueuePrefix"] = PrefixOf(db),
            ["BREWCLIP__Service__HealthUrl"] = $"http://127.0.0.1:{healthPort}",
            // The tiny CLIP-shaped models made by tests/fixtures/make_clip_fixtures.py.
            ["BREWCLIP__Models__Root"] = Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "models"),
        };
    }
}
