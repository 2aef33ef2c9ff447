using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using RtcScamp.Transport.WebRtc.Sctp;
using Xunit;

namespace RtcScamp.Tests.Sctp;

/// <summary>
/// Interop against a third-party SCTP stack: werift-sctp (TypeScript, derived from aiortc) run by
/// Node.js, over plain UDP on 127.0.0.1 (no DTLS: both ends speak raw SCTP packets), optionally
/// with seeded loss applied on our side in both directions. Needs `node` and the npm package:
/// `npm install --prefix tests/Unit/Sctp/Interop` (or RTCSCAMP_WERIFT_SCTP set to a werift-sctp
/// folder); skipped otherwise.
/// </summary>
public class WeriftInteropTests
{
    private static string? ModuleDir([CallerFilePath] string here = "")
    {
        string local = Path.Combine(Path.GetDirectoryName(here)!, "Interop", "node_modules", "werift-sctp");
        string? configured = Environment.GetEnvironmentVariable("RTCSCAMP_WERIFT_SCTP");
        string dir = string.IsNullOrEmpty(configured) ? local : configured;
        return File.Exists(Path.Combine(dir, "package.json")) ? dir : null;
    }

    private static string Script([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Interop", "werift-echo.js");

    [Theory]
    [InlineData("server", 0.0)]
    [InlineData("client", 0.0)]
    [InlineData("server", 0.1)]
    public void Echo_reset_and_shutdown_with_werift(string weriftRole, double loss)
    {
        var lossRandom = new Random(7);
        string? module = ModuleDir();
        if (module is null || !File.Exists(Script()))
        {
            Assert.Skip("werift-sctp not installed (npm install --prefix tests/Unit/Sctp/Interop)");
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int ourPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var start = new ProcessStartInfo("node", [Script(), module, ourPort.ToString(), weriftRole])
        {
            RedirectStandardOutput = true,
        };
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            started = null;
        }

        if (started is null)
        {
            Assert.Skip("node is not installed");
        }

        using Process node = started;
        try
        {
            string ready = node.StandardOutput.ReadLine() ?? "";
            Assert.StartsWith("ready ", ready);
            var peer = new IPEndPoint(IPAddress.Loopback, int.Parse(ready[6..]));

            var seed = new byte[32];
            Random.Shared.NextBytes(seed);
            var association = new SctpAssociation(new SctpAssociationOptions(), seed);
            var clock = Stopwatch.StartNew();
            var received = new List<(ushort Stream, uint Ppid, byte[] Data)>();
            var events = new List<SctpEvent>();
            var packet = new byte[2048];
            var read = new byte[300 * 1024];

            bool Run(Func<bool> done, int timeoutMs)
            {
                long end = clock.ElapsedMilliseconds + timeoutMs;
                while (clock.ElapsedMilliseconds < end)
                {
                    long now = clock.ElapsedMilliseconds;
                    int n;
                    while ((n = association.PollTransmit(packet, now)) > 0)
                    {
                        if (lossRandom.NextDouble() >= loss)
                        {
                            socket.SendTo(packet.AsSpan(0, n), peer);
                        }
                    }

                    while (association.PollEvent(out SctpEvent ev))
                    {
                        if (ev.Kind == SctpEventKind.Message)
                        {
                            int m = association.ReadMessage(read);
                            received.Add((ev.StreamId, ev.Ppid, read.AsSpan(0, m).ToArray()));
                        }
                        else
                        {
                            events.Add(ev);
                        }
                    }

                    if (done())
                    {
                        return true;
                    }

                    long wait = Math.Clamp(association.PollTimeout() - now, 0, 5);
                    if (socket.Poll((int)(wait * 1000), SelectMode.SelectRead))
                    {
                        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                        n = socket.ReceiveFrom(packet, ref from);
                        if (lossRandom.NextDouble() >= loss)
                        {
                            association.HandlePacket(packet.AsSpan(0, n), clock.ElapsedMilliseconds);
                        }
                    }

                    if (association.PollTimeout() <= clock.ElapsedMilliseconds)
                    {
                        association.HandleTimeout(clock.ElapsedMilliseconds);
                    }
                }

                return done();
            }

            association.Connect(0);
            Assert.True(Run(() => association.State == SctpAssociationState.Established, 30_000), $"state {association.State}");
            Assert.True(association.PeerSupportsReconfig);

            int[] sizes = [1, 100, 1024, 1172, 5000, 65536, 150_000];
            var sent = new List<byte[]>();
            foreach (int size in sizes)
            {
                byte[] m = SctpTestPairs.Pattern(size, size);
                sent.Add(m);
                Assert.Equal(SctpSendResult.Ok, association.Send(1, 53, m));
            }

            for (int i = 0; i < 200; i++)
            {
                byte[] m = SctpTestPairs.Pattern(1 + (i * 53 % 3000), i);
                sent.Add(m);
                Assert.Equal(SctpSendResult.Ok, association.Send(1, 51, m));
            }

            Assert.True(Run(() => received.Count == sent.Count, 60_000), $"echoed {received.Count}/{sent.Count}");
            Assert.Equal(sent, received.Select(r => r.Data));
            Assert.Equal(53u, received[0].Ppid);
            Assert.Equal(51u, received[^1].Ppid);

            association.ResetStream(1);
            Assert.True(Run(() => events.Any(e => e is { Kind: SctpEventKind.OutgoingStreamReset, StreamId: 1 })
                && events.Any(e => e is { Kind: SctpEventKind.IncomingStreamReset, StreamId: 1 }), 30_000),
                string.Join(",", events.Select(e => e.Kind)));

            association.Shutdown(clock.ElapsedMilliseconds);
            Assert.True(Run(() => association.IsTerminated, 30_000), $"state {association.State}");
            Assert.Contains(events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.Shutdown });
            Assert.Equal(0, association.DroppedPackets);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }

            node.WaitForExit(5_000);
        }
    }
}
