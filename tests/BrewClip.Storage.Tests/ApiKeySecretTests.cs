using BrewClip.Storage.ApiKeys;

namespace BrewClip.Storage.Tests;

public sealed class ApiKeySecretTests
{
    [Fact]
    public void A_new_key_has_its_prefix_inside_and_matches_only_its_own_hash()
    {
        var (key, prefix) = ApiKeySecret.Generate();
        var (other, otherPrefix) = ApiKeySecret.Generate();
        Assert.Matches("^bck_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal(prefix, ApiKeySecret.PrefixOf(key));
        Assert.NotEqual(prefix, otherPrefix);
        var hash = ApiKeySecret.Hash(key);
        Assert.Equal(32, hash.Length);
        Assert.True(ApiKeySecret.Matches(key, hash));
        Assert.False(ApiKeySecret.Matches(other, hash));
        Assert.False(ApiKeySecret.Matches(key[..^1] + (key[^1] == 'A' ? 'B' : 'A'), hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bck_")]
    [InlineData("Bearer bck_0123abcd_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("bck_0123ABCD_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("bck_0123abcd-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("bck_0123abcd_xxxx")]
    public void Anything_else_has_no_prefix(string presented) => Assert.Null(ApiKeySecret.PrefixOf(presented));
}
