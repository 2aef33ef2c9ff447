using System.Diagnostics;
using System.Security.Cryptography;

namespace RtcScamp.Interop;

/// <summary>
/// A network namespace joined to the host namespace by a veth pair (the recipe in
/// shared/interop/README.md): Chromium runs inside and gathers a host candidate on its veth end;
/// .NET binds only the host end. Names and the /30 subnet are random per run, so parallel runs do not
/// collide; <see cref="Dispose"/> kills whatever still runs in the namespace (only processes this run
/// started live there) and deletes both ends. Test traffic never leaves the machine: the namespace
/// has no route except through the host end.
/// </summary>
public sealed class TestNetwork : IDisposable
{
    private bool _disposed;

    private TestNetwork(string tag)
    {
        string id = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        Namespace = $"rtcs-{tag}{id}";
        HostInterface = $"rs{tag}{id}h";
        BrowserInterface = $"rs{tag}{id}b";
        int block = RandomNumberGenerator.GetInt32(0, 64 * 256);
        HostAddress = $"10.97.{block / 64}.{(block % 64 * 4) + 1}";
        BrowserAddress = $"10.97.{block / 64}.{(block % 64 * 4) + 2}";
    }

    public string Namespace { get; }

    public string HostInterface { get; }

    public string BrowserInterface { get; }

    /// <summary>The host end's address: what .NET binds.</summary>
    public string HostAddress { get; }

    /// <summary>Chromium's address inside the namespace.</summary>
    public string BrowserAddress { get; }

    /// <summary>Creates namespace and veth pair; cleans up and throws if any step fails.</summary>
    /// <param name="tag">One letter telling the tests' namespaces apart (interface names are limited to 15 characters).</param>
    public static TestNetwork Create(string tag)
    {
        var network = new TestNetwork(tag);
        try
        {
            Ip($"netns add {network.Namespace}");
            Ip($"link add {network.HostInterface} type veth peer name {network.BrowserInterface}");
            Ip($"link set {network.BrowserInterface} netns {network.Namespace}");
            Ip($"addr add {network.HostAddress}/30 dev {network.HostInterface}");
            Ip($"link set {network.HostInterface} up");
            Ip($"netns exec {network.Namespace} ip link set lo up");
            Ip($"netns exec {network.Namespace} ip addr add {network.BrowserAddress}/30 dev {network.BrowserInterface}");
            Ip($"netns exec {network.Namespace} ip link set {network.BrowserInterface} up");
            Ip($"netns exec {network.Namespace} ip route add default via {network.HostAddress}");
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Process ids running inside the namespace.</summary>
    public IReadOnlyList<int> Pids()
    {
        if (RunIp($"netns pids {Namespace}", out string output, out _) != 0)
        {
            return [];
        }

        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        KillAll();
        RunIp($"netns del {Namespace}", out _, out _);
        RunIp($"link del {HostInterface}", out _, out _);
    }

    /// <summary>Kills every process in the namespace (all were started by this run) and waits for them.</summary>
    public void KillAll()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            IReadOnlyList<int> pids = Pids();
            if (pids.Count == 0)
            {
                return;
            }

            foreach (int pid in pids)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }

            Thread.Sleep(50);
        }
    }

    public static void Ip(string arguments)
    {
        int code = RunIp(arguments, out _, out string error);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {arguments} failed ({code}): {error}");
        }
    }

    private static int RunIp(string arguments, out string output, out string error)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments.Split(' '))
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        error = stderr.Result;
        return p.ExitCode;
    }
}
