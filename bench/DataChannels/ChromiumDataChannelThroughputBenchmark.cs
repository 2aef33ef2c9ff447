using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Microsoft.Playwright;
using RtcScamp.Bench.Browser;
using RtcScamp.Bench.PeerConnections;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.DataChannels;

/// <summary>
/// 20 MB over one reliable ordered data channel from Chromium to our PeerConnection (Chromium in a
/// network namespace joined by a veth pair, as in tests/Interop). The page runs
/// <see cref="ChromiumStreaming.Sender"/>: <see cref="MessageSize"/>-byte messages under flow control
/// (pauses above 4 MiB bufferedAmount, resumes at bufferedamountlow, threshold 1 MiB); the receiver
/// counts bytes and answers "done" on the channel; one op = the page's promise from first send to
/// "done". MB/s = 20 / mean in seconds. <see cref="ChromiumToChromiumThroughputBenchmark"/> is the
/// Chromium↔Chromium baseline measured the same way. Two jobs: the stack as shipped, and the same with
/// <see cref="InlineSocketCompletions"/> (diagnostic: how much the thread-pool hop in our receive path
/// costs). Needs Linux, root, `ip` and /usr/bin/chromium.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InlineSocketCompletions))]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5, id: "AsShipped")]
public class ChromiumDataChannelThroughputBenchmark
{
    /// <summary>
    /// The same job with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1: .NET runs socket continuations
    /// on its socket engine thread, so our receive loop never waits for a thread-pool worker (and idle
    /// workers do not spin) when the socket runs dry.
    /// </summary>
    public sealed class InlineSocketCompletions : ManualConfig
    {
        public InlineSocketCompletions() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5)
            .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"))
            .WithId("InlineCompletions"));
    }

    private readonly NodeIdentity _identity = NodeIdentity.Generate();
    private ChromiumInNamespace? _chromium;
    private IPage? _page;
    private WebRtcUdpDriver? _driver;
    private long _received;

    /// <summary>Bytes per <c>send</c> call in the page.</summary>
    [Params(1024, 65536)]
    public int MessageSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _chromium = ChromiumInNamespace.Start("d");
        _page = _chromium.Browser.NewPageAsync().GetAwaiter().GetResult();
        _page.EvaluateAsync(ChromiumStreaming.Sender).GetAwaiter().GetResult();
        _driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(_chromium.HostAddress), 0));
        ConnectAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _driver?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _chromium?.Dispose();
    }

    [Benchmark]
    public Task ChromiumToDotnet20MB() =>
        _page!.EvaluateAsync("size => stream(toDotnet, " + ChromiumStreaming.Total + ", size)", MessageSize);

    private async Task ConnectAsync()
    {
        PeerConnection ours = _driver!.CreatePeerConnection(_identity);
        Task connected = LoopbackPeers.Connected(ours);
        ours.IncomingDataChannel += c => c.MessageReceived += (ch, m, _) =>
        {
            _received += m.Length;
            if (_received == ChromiumStreaming.Total)
            {
                _received = 0;
                ch.Send("done");
            }
        };
        string offerSdp = await _page!.EvaluateAsync<string>("""
            async () => {
              const gathered = pc => new Promise(r => pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
              const within = (p, what) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(what + ' timed out')), 30000))]);
              // Chromium → .NET
              window.pc = new RTCPeerConnection();
              window.toDotnet = pc.createDataChannel('bulk');
              await pc.setLocalDescription(await pc.createOffer());
              await within(gathered(pc), 'gathering pc');
              return pc.localDescription.sdp;
            }
            """);
        string answerSdp = ChromiumStreaming.AnswerBrowserOffer(ours, offerSdp);

        await _page.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", answerSdp);
        await connected.WaitAsync(TimeSpan.FromSeconds(20));
        await _page.WaitForFunctionAsync("() => toDotnet.readyState === 'open'", null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 5 });
    }
}
