using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Identity;
using Xunit;

namespace RtcScamp.Tests.DataChannels;

/// <summary>
/// Data channels on PeerConnection, C#↔C# over 127.0.0.1: SCTP starts after DTLS, channels open in
/// both directions, messages of every size up to max-message-size arrive byte-exact and in order,
/// closing completes on both sides, and a lossy reordering link delivers exactly once in order.
/// </summary>
public sealed class PeerDataChannelTests
{
    private static readonly IPEndPoint s_loopback = new(IPAddress.Loopback, 0);
    private static readonly NodeIdentity s_alice = NodeIdentity.Generate();
    private static readonly NodeIdentity s_bob = NodeIdentity.Generate();
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Channels_open_both_ways_and_messages_of_every_size_round_trip()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, PeerConnection answerer) = await ConnectAsync(a, b);

        // The answerer is the DTLS client: even stream ids; the offerer (server) odd ones.
        Echo(answerer);
        Echo(offerer);
        foreach ((PeerConnection from, int parity) in new[] { (answerer, 0), (offerer, 1) })
        {
            var inbox = new Inbox();
            RtcDataChannel channel = from.CreateDataChannel("sizes", protocol: "p1");
            inbox.Attach(channel);
            await inbox.Opened.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
            Assert.Equal(parity, channel.Id % 2);
            Assert.Equal(DataChannelState.Open, channel.State);

            int[] sizes = [0, 1, 1024, 64 * 1024, 256 * 1024];
            var sent = new List<(byte[], bool)>();
            foreach (int size in sizes)
            {
                foreach (bool text in new[] { false, true })
                {
                    byte[] m = Payload(size, text);
                    Assert.Equal(DataChannelSendResult.Ok, channel.Send(m, text));
                    sent.Add((m, text));
                }
            }

            List<(byte[] Message, bool IsText)> echoed = await inbox.TakeAsync(sent.Count);
            Assert.Equal(sent.Count, echoed.Count);
            for (int i = 0; i < sent.Count; i++)
            {
                Assert.Equal(sent[i].Item2, echoed[i].IsText);
                Assert.True(sent[i].Item1.AsSpan().SequenceEqual(echoed[i].Message), $"message {i} ({sent[i].Item1.Length} B) differs");
            }

            Assert.Equal(DataChannelSendResult.TooLarge, channel.Send(new byte[(256 * 1024) + 1]));
        }
    }

    [Fact]
    public async Task Close_on_either_side_completes_on_both()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, PeerConnection answerer) = await ConnectAsync(a, b);
        var incoming = new ConcurrentQueue<RtcDataChannel>();
        var remoteClosed = new ConcurrentDictionary<string, TaskCompletionSource>();
        answerer.IncomingDataChannel += c =>
        {
            TaskCompletionSource done = remoteClosed.GetOrAdd(c.Label, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
            c.Closed += _ => done.TrySetResult();
            incoming.Enqueue(c);
        };

        for (int round = 0; round < 2; round++)
        {
            string label = "close" + round;
            var inbox = new Inbox();
            RtcDataChannel ours = offerer.CreateDataChannel(label);
            inbox.Attach(ours);
            await inbox.Opened.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
            RtcDataChannel theirs = incoming.Single(c => c.Label == label);
            if (round == 0)
            {
                ours.Close(); // we close
            }
            else
            {
                theirs.Close(); // the peer closes
            }

            await inbox.Closed.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
            await remoteClosed[label].Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
            Assert.Equal(DataChannelState.Closed, ours.State);
            Assert.Equal(DataChannelState.Closed, theirs.State);
            Assert.Equal(DataChannelSendResult.Closed, ours.Send([1]));
        }

        // Closing the connection closes the channels on both sides (SCTP ABORT, then close_notify).
        var last = new Inbox();
        RtcDataChannel survivor = offerer.CreateDataChannel("last");
        last.Attach(survivor);
        await last.Opened.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
        offerer.Close();
        await last.Closed.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
        await remoteClosed["last"].Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Two_connections_on_one_socket_carry_channels_to_each_other()
    {
        await using var shared = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, PeerConnection answerer) = await ConnectAsync(shared, shared);
        Echo(answerer);
        var inbox = new Inbox();
        RtcDataChannel channel = offerer.CreateDataChannel("self");
        inbox.Attach(channel);
        await inbox.Opened.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
        byte[] m = Payload(100_000, text: false);
        Assert.Equal(DataChannelSendResult.Ok, channel.Send(m));
        Assert.Equal(m, (await inbox.TakeAsync(1))[0].Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Five_percent_loss_and_reordering_still_delivers_exactly_once_in_order(int seed)
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, PeerConnection answerer) = await ConnectAsync(a, b);
        // Between DTLS and SCTP, on both receiving sides: drop 5 %, hold 5 % back behind later packets.
        offerer.InboundSctpShim = new LossyLink(seed).Pass;
        answerer.InboundSctpShim = new LossyLink(seed + 100).Pass;

        var received = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Count = 3000;
        answerer.IncomingDataChannel += c => c.MessageReceived += (_, m, _) =>
        {
            received.Add(BitConverter.ToInt32(m));
            if (received.Count == Count)
            {
                done.TrySetResult();
            }
        };

        var inbox = new Inbox();
        RtcDataChannel channel = offerer.CreateDataChannel("lossy");
        inbox.Attach(channel);
        await inbox.Opened.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
        var rng = new Random(seed);
        for (int i = 0; i < Count; i++)
        {
            byte[] m = new byte[4 + rng.Next(0, 3000)];
            BitConverter.TryWriteBytes(m, i);
            Assert.Equal(DataChannelSendResult.Ok, channel.Send(m));
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(0, Count), received);
    }

    internal static async Task<(PeerConnection Offerer, PeerConnection Answerer)> ConnectAsync(WebRtcUdpDriver a, WebRtcUdpDriver b)
    {
        PeerConnection offerer = a.CreatePeerConnection(s_alice);
        PeerConnection answerer = b.CreatePeerConnection(s_bob);
        var up = new[] { Connected(offerer), Connected(answerer) };
        Assert.True(answerer.TryAcceptOffer(offerer.CreateOffer(), out string? answer, out string error), error);
        Assert.True(offerer.TryAcceptAnswer(answer, out error), error);
        await Task.WhenAll(up).WaitAsync(s_wait, TestContext.Current.CancellationToken);
        return (offerer, answerer);
    }

    private static Task Connected(PeerConnection pc)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pc.Connected += _ => tcs.TrySetResult();
        pc.Failed += (_, f) => tcs.TrySetException(new InvalidOperationException(f.ToString()));
        return tcs.Task;
    }

    /// <summary>Every channel the peer opens echoes each message back, text as text.</summary>
    private static void Echo(PeerConnection pc) =>
        pc.IncomingDataChannel += c => c.MessageReceived += (ch, m, text) => Assert.Equal(DataChannelSendResult.Ok, ch.Send(m, text));

    private static byte[] Payload(int size, bool text)
    {
        byte[] m = new byte[size];
        if (text)
        {
            m.AsSpan().Fill((byte)'x');
            for (int i = 0; i < size; i += 97)
            {
                m[i] = (byte)('a' + (i % 26));
            }
        }
        else
        {
            RandomNumberGenerator.Fill(m);
        }

        return m;
    }

    /// <summary>Collects one channel's events for a test.</summary>
    private sealed class Inbox
    {
        private readonly System.Threading.Channels.Channel<(byte[], bool)> _messages = System.Threading.Channels.Channel.CreateUnbounded<(byte[], bool)>();

        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Attach(RtcDataChannel channel)
        {
            channel.Opened += _ => Opened.TrySetResult();
            channel.Closed += _ => Closed.TrySetResult();
            channel.MessageReceived += (_, m, text) =>
            {
                _messages.Writer.TryWrite((m.ToArray(), text));
            };
        }

        public async Task<List<(byte[] Message, bool IsText)>> TakeAsync(int count)
        {
            var list = new List<(byte[], bool)>();
            for (int i = 0; i < count; i++)
            {
                list.Add(await _messages.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(s_wait, TestContext.Current.CancellationToken));
            }

            return list;
        }
    }

    /// <summary>Seeded: drops 5 % of packets and holds 5 % back until 1–3 later packets have passed.</summary>
    private sealed class LossyLink(int seed)
    {
        private readonly Random _random = new(seed);
        private readonly List<(byte[] Packet, int Left)> _held = [];

        public IEnumerable<byte[]> Pass(byte[] packet)
        {
            var now = new List<byte[]>();
            double roll = _random.NextDouble();
            if (roll < 0.05)
            {
                // lost
            }
            else if (roll < 0.10)
            {
                _held.Add((packet, _random.Next(1, 4)));
            }
            else
            {
                now.Add(packet);
            }

            for (int i = 0; i < _held.Count; i++)
            {
                (byte[] p, int left) = _held[i];
                if (left <= 1 && !ReferenceEquals(p, packet))
                {
                    now.Add(p);
                    _held.RemoveAt(i--);
                }
                else if (!ReferenceEquals(p, packet))
                {
                    _held[i] = (p, left - 1);
                }
            }

            return now;
        }
    }
}
