using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BrewClip.Models.Tests;

/// <summary>
/// An HTTP server on loopback serving a folder with range requests, which can cut a file's first
/// response short (to test resuming) and records every request's Range header.
/// </summary>
internal sealed class FileServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FileServer(WebApplication app, string folder)
    {
        _app = app;
        Folder = folder;
    }

    public string Folder { get; }

    public string BaseUrl => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/files/";

    public ConcurrentQueue<(string Path, string? Range)> Requests { get; } = new();

    /// <summary>Files whose next response stops after this many bytes, then drops the connection.</summary>
    public ConcurrentDictionary<string, int> CutShort { get; } = new();

    public static async Task<FileServer> StartAsync(string folder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FileServer(app, folder);
        app.MapGet("/files/{**path}", async (HttpContext context, string path) =>
        {
            server.Requests.Enqueue((path, context.Request.Headers.Range.ToString() is { Length: > 0 } r ? r : null));
            var file = Path.Combine(folder, path);
            if (!File.Exists(file))
            {
                context.Response.StatusCode = 404;
                return;
            }
            if (server.CutShort.TryRemove(path, out var limit))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, limit));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            }
            await Results.File(file, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
