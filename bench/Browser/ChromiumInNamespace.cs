using Microsoft.Playwright;
using RtcScamp.Interop;

namespace RtcScamp.Bench.Browser;

/// <summary>
/// Debian's headless Chromium inside a network namespace joined to this one by a veth pair — the same
/// <see cref="TestNetwork"/> the interop tests use (compiled in from tests/Interop) — for the benchmarks
/// that measure against a real browser. .NET binds <see cref="HostAddress"/>; traffic never leaves the
/// machine. Needs Linux, root, `ip` and /usr/bin/chromium.
/// </summary>
internal sealed class ChromiumInNamespace : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly TestNetwork _network;
    private readonly string _scriptDirectory;
    private readonly IPlaywright _playwright;

    private ChromiumInNamespace(TestNetwork network, string scriptDirectory, IPlaywright playwright, IBrowser browser)
    {
        _network = network;
        _scriptDirectory = scriptDirectory;
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The browser, running inside the namespace.</summary>
    public IBrowser Browser { get; }

    /// <summary>The host end of the veth pair: the address .NET binds and signals.</summary>
    public string HostAddress => _network.HostAddress;

    /// <summary>Creates the namespace and starts Chromium in it; cleans up and throws if anything fails.</summary>
    /// <param name="tag">One letter telling concurrent namespaces apart.</param>
    public static ChromiumInNamespace Start(string tag)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists(Chromium))
        {
            throw new InvalidOperationException("needs Linux, root and " + Chromium);
        }

        TestNetwork network = TestNetwork.Create(tag);
        string scripts = Directory.CreateTempSubdirectory("rtcs-bench-").FullName;
        IPlaywright? playwright = null;
        try
        {
            string wrapper = Path.Combine(scripts, "chromium-in-netns");
            File.WriteAllText(wrapper, $"#!/bin/sh\nexec ip netns exec {network.Namespace} {Chromium} \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            playwright = Playwright.CreateAsync().GetAwaiter().GetResult();
            IBrowser browser = playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = wrapper,
                Headless = true,
                ChromiumSandbox = false,
                Args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            }).GetAwaiter().GetResult();
            return new ChromiumInNamespace(network, scripts, playwright, browser);
        }
        catch
        {
            playwright?.Dispose();
            network.Dispose();
            Directory.Delete(scripts, recursive: true);
            throw;
        }
    }

    /// <summary>Closes the browser, kills anything left in the namespace and removes it.</summary>
    public void Dispose()
    {
        try
        {
            Browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            // Killed with everything else in the namespace below.
        }

        _playwright.Dispose();
        _network.Dispose();
        Directory.Delete(_scriptDirectory, recursive: true);
    }
}
