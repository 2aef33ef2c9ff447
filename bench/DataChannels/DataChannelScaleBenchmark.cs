using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RtcScamp.Bench.PeerConnections;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.DataChannels;

/// <summary>
/// 200 peer connections with open data channels in one process on one UDP socket: 100 pairs of
/// connections of one driver connected to each other (their DTLS records handed over in-process,
/// their STUN through the socket), each pair with an open channel that has echoed one message.
/// One op = all of that from nothing, then closing it. Retained memory per connection (managed heap
/// after a full GC, everything up and idle) is printed once by GlobalSetup as "retained per connection".
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class DataChannelScaleBenchmark
{
    private const int Pairs = 100;

    private readonly NodeIdentity _identity = NodeIdentity.Generate();

    [GlobalSetup]
    public void Setup()
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        (WebRtcUdpDriver driver, int threads) = BuildAsync().GetAwaiter().GetResult();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// 200 connections up, channels open: retained {(after - before) / 1024.0 / 1024.0:F1} MiB, retained per connection {(after - before) / (2 * Pairs) / 1024.0:F1} KiB, threads in process {threads}, live connections {driver.ConnectionCount}");
        driver.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task TwoHundredConnectionsWithChannels()
    {
        (WebRtcUdpDriver driver, _) = await BuildAsync();
        await driver.DisposeAsync();
    }

    private static async Task WhenAllOrReport(List<Task> tasks, string what, TimeSpan limit)
    {
        try
        {
            await Task.WhenAll(tasks).WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{tasks.Count(t => t.IsCompletedSuccessfully)} of {tasks.Count} {what}, {tasks.Count(t => t.IsFaulted)} faulted ({tasks.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException?.Message}) within {limit}");
        }
    }

    private async Task<(WebRtcUdpDriver Driver, int Threads)> BuildAsync()
    {
        var driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        var connected = new List<Task>();
        var pairs = new List<(PeerConnection Offerer, PeerConnection Answerer)>();
        for (int i = 0; i < Pairs; i++)
        {
            PeerConnection offerer = driver.CreatePeerConnection(_identity);
            PeerConnection answerer = driver.CreatePeerConnection(_identity);
            answerer.IncomingDataChannel += c => c.MessageReceived += (ch, m, text) => ch.Send(m, text);
            connected.Add(LoopbackPeers.Exchange(offerer, answerer));
            pairs.Add((offerer, answerer));
        }

        await WhenAllOrReport(connected, "connected", TimeSpan.FromSeconds(120));
        var echoed = new List<Task>();
        foreach ((PeerConnection offerer, _) in pairs)
        {
            var echo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            RtcDataChannel channel = offerer.CreateDataChannel("gossip");
            channel.Opened += c => c.Send("hello");
            channel.MessageReceived += (_, _, _) => echo.TrySetResult();
            echoed.Add(echo.Task);
        }

        await WhenAllOrReport(echoed, "echoed", TimeSpan.FromSeconds(60));
        foreach ((PeerConnection offerer, _) in pairs)
        {
            if (offerer.State != PeerConnectionState.Connected)
            {
                throw new InvalidOperationException("a connection dropped");
            }
        }

        return (driver, System.Diagnostics.Process.GetCurrentProcess().Threads.Count);
    }
}
