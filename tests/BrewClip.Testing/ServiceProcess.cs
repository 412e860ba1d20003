using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BrewClip.Hosting.Bus;

namespace BrewClip.Testing;

/// <summary>A BrewClip program run as a real process, as a user or an orchestrator would run it.</summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ServiceProcess(Process process)
    {
        _process = process;
    }

    public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    public int ExitCode => _process.ExitCode;

    public int ProcessId => _process.Id;

    /// <summary>The built program of a project under services/ (the CLI's assembly is brewclip.dll).</summary>
    public static string AssemblyOf(string project)
    {
        // tests/BrewClip.IntegrationTests/bin/<Configuration>/<tfm>/ -> services/<project>/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var assembly = project == "BrewClip.Cli" ? "brewclip.dll" : project + ".dll";
        var path = Path.Combine(TestSettings.RepositoryRoot, "services", project, "bin", output.Parent!.Name, output.Name, assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built at {path}", path);
    }

    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment, string? workingDirectory = null, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.CreateTempSubdirectory("brewclip-run-").FullName,
        };
        info.ArgumentList.Add(AssemblyOf(project));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        UseOnly(info, environment);

        var process = new Process { StartInfo = info };
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (service._stdout) { service._stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (service._stderr) { service._stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The child sees only the BREWCLIP settings the test gives it, not a developer's shell.</summary>
    public static void UseOnly(ProcessStartInfo info, IReadOnlyDictionary<string, string> environment)
    {
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("BREWCLIP", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
    }

    /// <summary>Runs a program to its end; returns its exit code.</summary>
    public static async Task<ServiceProcess> RunAsync(string project, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var process = Start(project, environment, null, args);
        await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return process;
    }

    /// <summary>Whether the test stopped it on purpose (SIGTERM or kill -9).</summary>
    public bool Stopped { get; private set; }

    public void Terminate()
    {
        Stopped = true;
        if (kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>kill -9: the process gets no chance to finish or hand anything back.</summary>
    public async Task KillAsync()
    {
        Stopped = true;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public bool HasExited => _process.HasExited;

    private static readonly HttpClient StatusClient = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The port its health endpoints answer on, once <see cref="WaitForReadyAsync"/> has been given it.</summary>
    public int? Port { get; private set; }

    /// <summary>What the process has published and handled so far (its /status/messages).</summary>
    public async Task<MessageCountsSnapshot> MessagesAsync()
    {
        if (Port is not { } port)
        {
            throw new InvalidOperationException("The service's port is not known: wait for it to be ready first.");
        }
        var body = await StatusClient.GetStringAsync($"http://127.0.0.1:{port}/status/messages");
        return JsonSerializer.Deserialize<MessageCountsSnapshot>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"/status/messages answered {body}");
    }

    /// <summary>Polls /health/ready until it answers 200; returns its body, or null if the process ends or <see cref="Eventually.Patience"/> passes.</summary>
    public async Task<string?> WaitForReadyAsync(int port)
    {
        Port = port;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Eventually.Patience && !HasExited)
        {
            try
            {
                var response = await http.GetAsync($"http://127.0.0.1:{port}/health/ready");
                if (response.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsStringAsync();
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        return null;
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port nobody listens on, for a service to bind: taken below the kernel's ephemeral range (so an
    /// outgoing connection of a running service cannot take it between now and the bind) and never the same
    /// twice in one test run (so two tests starting services at once cannot both be given it).
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(20_000, 32_000);
                if (!HandedOut.Add(port))
                {
                    continue;
                }
                try
                {
                    using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // In use by something else: try another.
                }
            }
            throw new InvalidOperationException("No free loopback port between 20000 and 32000.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public override string ToString() => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
