using Microsoft.Playwright;
using Xunit;

namespace RtcScamp.Interop;

/// <summary>
/// Starts Debian's Chromium once for every browser test: inside a <see cref="TestNetwork"/> namespace,
/// driven by Playwright over a pipe. Playwright launches a small wrapper script as the "browser
/// executable"; the script enters the namespace with <c>ip netns exec</c> and execs /usr/bin/chromium
/// with Playwright's arguments. Two browsers run: one as shipped (host IPs hidden behind mDNS
/// <c>.local</c> names, so .NET learns Chromium's address only as a peer-reflexive candidate), and one
/// with <c>--disable-features=WebRtcHideLocalIpsWithMdns</c> (Chromium signals its host candidate).
/// Never runs <c>playwright install</c>. <see cref="DisposeAsync"/> closes the browsers, kills anything
/// left in the namespace and removes it, whatever happened before.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    // shared/interop/README.md; Playwright itself adds --headless, --no-sandbox and a fresh --user-data-dir.
    private static readonly string[] s_flags =
    [
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private TestNetwork? _network;
    private IPlaywright? _playwright;
    private string? _scriptDirectory;

    /// <summary>Why the browser tests cannot run here (null if they can).</summary>
    public string? MissingReason { get; private set; }

    /// <summary>The namespace Chromium runs in.</summary>
    public TestNetwork Network => _network ?? throw new InvalidOperationException(MissingReason);

    /// <summary>Chromium as shipped: host candidates hidden behind mDNS names.</summary>
    public IBrowser HidingBrowser { get; private set; } = null!;

    /// <summary>Chromium with <c>--disable-features=WebRtcHideLocalIpsWithMdns</c>: host candidates signaled.</summary>
    public IBrowser RevealingBrowser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        MissingReason = InteropRequirements.MissingReason();
        if (MissingReason is not null || !OperatingSystem.IsLinux())
        {
            return;
        }

        _network = TestNetwork.Create("p");
        try
        {
            _scriptDirectory = Directory.CreateTempSubdirectory("rtcs-chromium-").FullName;
            string wrapper = Path.Combine(_scriptDirectory, "chromium-in-netns");
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec ip netns exec {_network.Namespace} {InteropRequirements.Chromium} \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            _playwright = await Playwright.CreateAsync();
            HidingBrowser = await LaunchAsync(wrapper, s_flags);
            RevealingBrowser = await LaunchAsync(wrapper, [.. s_flags, "--disable-features=WebRtcHideLocalIpsWithMdns"]);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IBrowser? browser in new[] { HidingBrowser, RevealingBrowser })
        {
            if (browser is not null)
            {
                try
                {
                    await browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception e) when (e is PlaywrightException or TimeoutException)
                {
                    // Killed below with everything else in the namespace.
                }
            }
        }

        _playwright?.Dispose();
        _network?.Dispose(); // kills any Chromium process still in the namespace, then removes it
        if (_scriptDirectory is not null)
        {
            Directory.Delete(_scriptDirectory, recursive: true);
        }
    }

    private async Task<IBrowser> LaunchAsync(string wrapper, string[] flags) =>
        await _playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            ChromiumSandbox = false,
            Args = flags,
            Timeout = 60_000,
        });
}

/// <summary>Tests that share the Chromium fixture (one browser start per run).</summary>
[CollectionDefinition(Name)]
public sealed class ChromiumCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "chromium";
}
