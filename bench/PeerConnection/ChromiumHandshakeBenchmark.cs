using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Playwright;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Bench.PeerConnections;

/// <summary>
/// C#↔Chromium handshake: Chromium (Debian's /usr/bin/chromium, headless, in a network namespace
/// joined by a veth pair, as in tests/Interop) offers a data channel, we answer through the compact
/// string, and the operation ends when Chromium's connectionState is "connected" and our side raised
/// Connected. Wall time includes Playwright's round trips to the page (create offer, set answer,
/// poll the state every 5 ms). Needs root, `ip` and /usr/bin/chromium; throws otherwise.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 15)]
public class ChromiumHandshakeBenchmark
{
    private readonly NodeIdentity _identity = NodeIdentity.Generate();
    private string _namespace = "";
    private string _hostInterface = "";
    private string _hostAddress = "";
    private string _scriptDirectory = "";
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IPage? _page;
    private WebRtcUdpDriver? _driver;

    [GlobalSetup]
    public void Setup()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/chromium"))
        {
            throw new InvalidOperationException("needs Linux, root and /usr/bin/chromium");
        }

        string id = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        int block = RandomNumberGenerator.GetInt32(0, 64);
        _namespace = "rtcs-b" + id;
        _hostInterface = $"rsb{id}h";
        _hostAddress = $"10.96.{block}.1";
        Ip($"netns add {_namespace}");
        Ip($"link add {_hostInterface} type veth peer name rsb{id}b");
        Ip($"link set rsb{id}b netns {_namespace}");
        Ip($"addr add {_hostAddress}/30 dev {_hostInterface}");
        Ip($"link set {_hostInterface} up");
        Ip($"netns exec {_namespace} ip link set lo up");
        Ip($"netns exec {_namespace} ip addr add 10.96.{block}.2/30 dev rsb{id}b");
        Ip($"netns exec {_namespace} ip link set rsb{id}b up");

        _scriptDirectory = Directory.CreateTempSubdirectory("rtcs-bench-").FullName;
        string wrapper = Path.Combine(_scriptDirectory, "chromium-in-netns");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec ip netns exec {_namespace} /usr/bin/chromium \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _playwright = Playwright.CreateAsync().GetAwaiter().GetResult();
        _browser = _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            ChromiumSandbox = false,
            Args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        }).GetAwaiter().GetResult();
        _page = _browser.NewPageAsync().GetAwaiter().GetResult();
        _driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(_hostAddress), 0));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _driver?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _browser?.CloseAsync().GetAwaiter().GetResult();
        _playwright?.Dispose();
        TryIp($"netns pids {_namespace}", out string pids);
        foreach (string pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
                process.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        TryIp($"netns del {_namespace}", out _);
        TryIp($"link del {_hostInterface}", out _);
        Directory.Delete(_scriptDirectory, recursive: true);
    }

    [Benchmark]
    public async Task ChromiumOffersToBothConnected()
    {
        PeerConnection ours = _driver!.CreatePeerConnection(_identity);
        Task connected = LoopbackPeers.Connected(ours);
        string offerSdp = await _page!.EvaluateAsync<string>("""
            async () => {
              if (window.pc) window.pc.close();
              window.pc = new RTCPeerConnection();
              pc.createDataChannel('x');
              await pc.setLocalDescription(await pc.createOffer());
              return pc.localDescription.sdp;
            }
            """);
        if (SdpParser.TryParse(offerSdp, out SessionDescription? offer, out _) != SdpParseResult.Ok
            || CompactSignaling.TryCompact(offer!, out SignalingBlob blob, out _, out string error) != CompactResult.Ok
            || !ours.TryAcceptOffer(blob.Encode(), out string? answer, out error)
            || SignalingBlob.TryDecode(answer, out SignalingBlob answerBlob, out error) != SignalingDecodeResult.Ok)
        {
            throw new InvalidOperationException("signaling failed");
        }

        string answerSdp = (CompactSignaling.Expand(answerBlob) with { Mid = offer!.Mid }).ToString();
        await _page.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", answerSdp);
        await _page.WaitForFunctionAsync("() => pc.connectionState === 'connected'", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 5 });
        await connected.WaitAsync(TimeSpan.FromSeconds(20));
        ours.Close();
    }

    private static void Ip(string arguments)
    {
        if (TryIp(arguments, out _) != 0)
        {
            throw new InvalidOperationException("ip " + arguments + " failed");
        }
    }

    private static int TryIp(string arguments, out string output)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments.Split(' '))
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
