using BrewClip.Hosting.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Tests;

public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("RabbitMq:Port", "0", "RabbitMq:Port")]
    [InlineData("RabbitMq:PrefetchCount", "0", "RabbitMq:PrefetchCount")]
    [InlineData("RabbitMq:QueuePrefix", "Bad Prefix", "RabbitMq:QueuePrefix")]
    [InlineData("RabbitMq:RetryMaxIntervalMs", "10", "RabbitMq:RetryMaxIntervalMs")]
    [InlineData("RabbitMq:Host", "", "RabbitMq:Host")]
    public void Bad_rabbitmq_option_is_named_with_its_environment_variable(string key, string value, string named)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        var e = Assert.Throws<OptionsValidationException>(() => configuration.BindValidated<RabbitMqOptions>(RabbitMqOptions.Section));
        var message = string.Join(" ", e.Failures);
        Assert.Contains(named, message, StringComparison.Ordinal);
        Assert.Contains("BREWCLIP__" + named.Replace(":", "__", StringComparison.Ordinal), message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_valid_for_rabbitmq_and_service()
    {
        var empty = new ConfigurationBuilder().Build();
        Assert.Equal(5672, empty.BindValidated<RabbitMqOptions>(RabbitMqOptions.Section).Port);
        Assert.Equal("simple", empty.BindValidated<ServiceOptions>(ServiceOptions.Section).LogFormat);
    }

    [Fact]
    public void Missing_connection_string_is_named()
    {
        var e = Assert.Throws<OptionsValidationException>(
            () => new ConfigurationBuilder().Build().BindValidated<PostgresOptions>(PostgresOptions.Section));
        Assert.Contains("Postgres:ConnectionString", string.Join(" ", e.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_connection_string_is_named()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Postgres:ConnectionString", "Host=x;NoSuchKeyword=1")]).Build();
        var e = Assert.Throws<OptionsValidationException>(() => configuration.BindValidated<PostgresOptions>(PostgresOptions.Section));
        Assert.Contains("Postgres:ConnectionString", string.Join(" ", e.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Service:HealthUrl", "not a url")]
    [InlineData("Service:HealthUrl", "ftp://127.0.0.1:1")]
    [InlineData("Service:LogFormat", "xml")]
    [InlineData("Service:ShutdownTimeoutSeconds", "0")]
    public void Bad_service_option_is_named(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        var e = Assert.Throws<OptionsValidationException>(() => configuration.BindValidated<ServiceOptions>(ServiceOptions.Section));
        Assert.Contains(key, string.Join(" ", e.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Value_of_the_wrong_type_names_the_option_and_what_it_takes()
    {
        var port = new ConfigurationBuilder().AddInMemoryCollection([new("RabbitMq:Port", "five")]).Build();
        var e = Assert.Throws<OptionsValidationException>(() => port.BindValidated<RabbitMqOptions>(RabbitMqOptions.Section));
        Assert.Equal("option RabbitMq:Port (BREWCLIP__RabbitMq__Port): 'five' is not a whole number", Assert.Single(e.Failures));

        var migrate = new ConfigurationBuilder().AddInMemoryCollection([new("Postgres:ConnectionString", "Host=x"), new("Postgres:MigrateOnStart", "maybe")]).Build();
        e = Assert.Throws<OptionsValidationException>(() => migrate.BindValidated<PostgresOptions>(PostgresOptions.Section));
        Assert.Equal("option Postgres:MigrateOnStart (BREWCLIP__Postgres__MigrateOnStart): 'maybe' is not true or false", Assert.Single(e.Failures));
    }

    [Fact]
    public void A_service_option_of_the_wrong_type_stops_the_build_naming_it()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Service:ShutdownTimeoutSeconds", "soon")]).Build();
        var e = Assert.Throws<OptionsValidationException>(() => services.AddValidatedOptions<ServiceOptions>(configuration, ServiceOptions.Section));
        Assert.Equal("option Service:ShutdownTimeoutSeconds (BREWCLIP__Service__ShutdownTimeoutSeconds): 'soon' is not a whole number", Assert.Single(e.Failures));
    }

    [Fact]
    public void Service_build_fails_on_a_bad_option_before_anything_starts()
    {
        var e = Assert.Throws<OptionsValidationException>(() => BrewClipService.Build(
            ["--Postgres:ConnectionString=Host=127.0.0.1", "--RabbitMq:ConcurrencyLimit=0"], "test-service"));
        Assert.Contains("RabbitMq:ConcurrencyLimit", string.Join(" ", e.Failures), StringComparison.Ordinal);
    }
}
