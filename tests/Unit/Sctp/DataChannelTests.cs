using System.Buffers.Binary;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Sctp;
using Xunit;
using static RtcScamp.Tests.Sctp.SctpTestPairs;

namespace RtcScamp.Tests.Sctp;

internal sealed class ChannelEndpoint(DataChannelEndpoint endpoint) : ILinkEndpoint
{
    private readonly byte[] _read = new byte[300 * 1024];

    public DataChannelEndpoint Endpoint { get; } = endpoint;

    public List<DataChannelEvent> Events { get; } = [];

    public List<(DataChannel Channel, bool IsText, byte[] Data)> Messages { get; } = [];

    public void HandlePacket(ReadOnlySpan<byte> packet, long now) => Endpoint.HandlePacket(packet, now);

    public int PollTransmit(Span<byte> buffer, long now) => Endpoint.PollTransmit(buffer, now);

    public void HandleTimeout(long now) => Endpoint.HandleTimeout(now);

    public long PollTimeout() => Endpoint.PollTimeout();

    public void DrainEvents()
    {
        while (Endpoint.PollEvent(out DataChannelEvent ev))
        {
            if (ev.Kind == DataChannelEventKind.Message)
            {
                int n = Endpoint.ReadMessage(_read);
                Assert.Equal(ev.Length, n);
                Messages.Add((ev.Channel!, ev.IsText, _read.AsSpan(0, n).ToArray()));
            }
            else
            {
                Events.Add(ev);
            }
        }
    }
}

public class DataChannelTests
{
    private static (ChannelEndpoint A, ChannelEndpoint B, SctpLink Link) Pair(int peerMaxMessageSize = 256 * 1024, bool connect = true, int seed = 1)
    {
        var a = new ChannelEndpoint(new DataChannelEndpoint(Create(1), isDtlsClient: true, peerMaxMessageSize));
        var b = new ChannelEndpoint(new DataChannelEndpoint(Create(2), isDtlsClient: false, peerMaxMessageSize));
        var link = new SctpLink(a, b, seed);
        if (connect)
        {
            a.Endpoint.Connect(0);
            b.Endpoint.Connect(0);
            Assert.True(link.RunUntil(() => a.Events.Any(e => e.Kind == DataChannelEventKind.Connected)
                && b.Events.Any(e => e.Kind == DataChannelEventKind.Connected)));
        }

        return (a, b, link);
    }

    private static DataChannel OpenAndWait(ChannelEndpoint opener, ChannelEndpoint peer, SctpLink link, string label, bool ordered = true)
    {
        DataChannel channel = opener.Endpoint.Open(label, ordered, "proto-" + label);
        Assert.True(link.RunUntil(() => channel.State == DataChannelState.Open
            && peer.Events.Any(e => e.Kind == DataChannelEventKind.Opened && e.Channel!.Label == label)));
        return channel;
    }

    [Fact]
    public void Open_uses_role_parity_and_carries_label_and_protocol()
    {
        var (a, b, link) = Pair();
        DataChannel fromClient = OpenAndWait(a, b, link, "gossip");
        DataChannel fromServer = OpenAndWait(b, a, link, "other", ordered: false);
        Assert.Equal(0, fromClient.Id);
        Assert.Equal(1, fromServer.Id);
        DataChannel remote = b.Events.Single(e => e.Kind == DataChannelEventKind.Opened && e.Channel!.Label == "gossip").Channel!;
        Assert.Equal("gossip", remote.Label);
        Assert.Equal("proto-gossip", remote.Protocol);
        Assert.True(remote.Ordered);
        Assert.False(a.Endpoint.GetChannel(1)!.Ordered);
        Assert.Single(a.Events, e => e.Kind == DataChannelEventKind.Opened && e.Channel == fromClient);
    }

    [Fact]
    public void Channel_opened_before_the_association_is_up_opens_afterwards()
    {
        var (a, b, link) = Pair(connect: false);
        DataChannel early = a.Endpoint.Open("early");
        Assert.Equal(DataChannelSendResult.Ok, early.Send("hi"u8, isText: true));
        a.Endpoint.Connect(0);
        b.Endpoint.Connect(0);
        Assert.True(link.RunUntil(() => b.Messages.Count == 1 && early.State == DataChannelState.Open));
        Assert.Equal("hi"u8.ToArray(), b.Messages[0].Data);
        Assert.True(b.Messages[0].IsText);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(1024, true)]
    [InlineData(65536, false)]
    [InlineData(262144, false)]
    public void Messages_round_trip_with_kind_preserved(int size, bool text)
    {
        var (a, b, link) = Pair();
        DataChannel channel = OpenAndWait(a, b, link, "c");
        byte[] data = Pattern(size, 7);
        Assert.Equal(DataChannelSendResult.Ok, channel.Send(data, text));
        Assert.True(link.RunUntil(() => b.Messages.Count == 1));
        Assert.Equal(data, b.Messages[0].Data);
        Assert.Equal(text, b.Messages[0].IsText);

        DataChannel back = b.Messages[0].Channel;
        Assert.Equal(DataChannelSendResult.Ok, back.Send(data, text));
        Assert.True(link.RunUntil(() => a.Messages.Count == 1));
        Assert.Equal(data, a.Messages[0].Data);
        Assert.Same(channel, a.Messages[0].Channel);
    }

    [Fact]
    public void Empty_message_travels_as_ppid_56_or_57_with_one_byte()
    {
        var assoc = new AssociationEndpoint(Create(1));
        var b = new ChannelEndpoint(new DataChannelEndpoint(Create(2), isDtlsClient: false, 65536));
        var link = new SctpLink(assoc, b);
        assoc.Association.Connect(0);
        b.Endpoint.Connect(0);
        Assert.True(link.RunUntil(() => assoc.Association.State == SctpAssociationState.Established));
        DataChannel channel = b.Endpoint.Open("e");
        Assert.Equal(DataChannelSendResult.Ok, channel.Send([], isText: true));
        Assert.Equal(DataChannelSendResult.Ok, channel.Send([]));
        Assert.True(link.RunUntil(() => assoc.Messages.Count == 3));
        Assert.Equal(50u, assoc.Messages[0].Ppid);
        Assert.Equal(56u, assoc.Messages[1].Ppid);
        Assert.Equal([0], assoc.Messages[1].Data);
        Assert.Equal(57u, assoc.Messages[2].Ppid);
        Assert.Equal([0], assoc.Messages[2].Data);
    }

    [Fact]
    public void Peer_max_message_size_is_honoured()
    {
        var (a, b, link) = Pair(peerMaxMessageSize: 1000);
        DataChannel channel = OpenAndWait(a, b, link, "m");
        Assert.Equal(DataChannelSendResult.TooLarge, channel.Send(new byte[1001]));
        Assert.Equal(DataChannelSendResult.Ok, channel.Send(new byte[1000]));
    }

    [Fact]
    public void Ten_channels_at_once_keep_their_own_order()
    {
        var (a, b, link) = Pair();
        var channels = Enumerable.Range(0, 10).Select(i => a.Endpoint.Open("ch" + i, ordered: i % 2 == 0)).ToList();
        for (int round = 0; round < 30; round++)
        {
            foreach (DataChannel c in channels)
            {
                Assert.Equal(DataChannelSendResult.Ok, c.Send(Pattern(10 + (round * 100), c.Id + round)));
            }
        }

        Assert.True(link.RunUntil(() => b.Messages.Count == 300));
        foreach (DataChannel c in channels)
        {
            var got = b.Messages.Where(m => m.Channel.Label == c.Label).Select(m => m.Data).ToList();
            var expected = Enumerable.Range(0, 30).Select(r => Pattern(10 + (r * 100), c.Id + r)).ToList();
            if (c.Ordered)
            {
                Assert.Equal(expected, got);
            }
            else
            {
                Assert.Equal(expected.Count, got.Count);
                Assert.All(expected, e => Assert.Contains(e, got));
            }
        }

        Assert.Equal(10, b.Events.Count(e => e.Kind == DataChannelEventKind.Opened));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Close_from_either_side_closes_both_and_frees_the_id(bool closerIsOpener)
    {
        var (a, b, link) = Pair();
        DataChannel mine = OpenAndWait(a, b, link, "x");
        DataChannel theirs = b.Endpoint.GetChannel(mine.Id)!;
        Assert.Equal(DataChannelSendResult.Ok, mine.Send(Pattern(30_000, 1)));
        (closerIsOpener ? mine : theirs).Close();
        Assert.True(link.RunUntil(() => mine.State == DataChannelState.Closed && theirs.State == DataChannelState.Closed));
        Assert.Single(b.Messages);
        Assert.Contains(a.Events, e => e.Kind == DataChannelEventKind.Closed && e.Channel == mine);
        Assert.Contains(b.Events, e => e.Kind == DataChannelEventKind.Closed && e.Channel == theirs);
        Assert.Equal(DataChannelSendResult.Closed, mine.Send([1]));
        Assert.Null(a.Endpoint.GetChannel(mine.Id));

        DataChannel again = OpenAndWait(a, b, link, "y");
        Assert.Equal(mine.Id, again.Id);
        Assert.Equal(DataChannelSendResult.Ok, again.Send([9]));
        Assert.True(link.RunUntil(() => b.Messages.Count == 2));
        Assert.Equal("y", b.Messages[1].Channel.Label);
    }

    [Fact]
    public void Partially_reliable_open_is_rejected_by_resetting_the_stream()
    {
        var raw = new AssociationEndpoint(Create(1));
        var b = new ChannelEndpoint(new DataChannelEndpoint(Create(2), isDtlsClient: false, 65536));
        var link = new SctpLink(raw, b);
        raw.Association.Connect(0);
        b.Endpoint.Connect(0);
        Assert.True(link.RunUntil(() => raw.Association.State == SctpAssociationState.Established));
        byte[] open = [0x03, 0x01, 0x01, 0x00, 0, 0, 0, 3, 0, 2, 0, 0, (byte)'p', (byte)'r'];
        Assert.Equal(SctpSendResult.Ok, raw.Association.Send(4, 50, open));
        Assert.True(link.RunUntil(() => raw.Events.Any(e => e is { Kind: SctpEventKind.IncomingStreamReset, StreamId: 4 })));
        DataChannelEvent rejected = Assert.Single(b.Events, e => e.Kind == DataChannelEventKind.Rejected);
        Assert.Equal("pr", rejected.Channel!.Label);
        Assert.Contains("partial reliability", rejected.Reason);
        Assert.DoesNotContain(raw.Messages, m => m.Ppid == 50);

        // The opener answers as a browser would; the stream is then free on the rejecting side.
        raw.Association.ResetStream(4);
        Assert.True(link.RunUntil(() => b.Endpoint.GetChannel(4) is null));
    }

    [Fact]
    public void Buffered_amount_low_threshold_notifies()
    {
        var (a, b, link) = Pair();
        DataChannel channel = OpenAndWait(a, b, link, "bp");
        channel.BufferedAmountLowThreshold = 64 * 1024;
        a.Events.Clear();
        for (int i = 0; i < 10; i++)
        {
            channel.Send(new byte[64 * 1024]);
        }

        Assert.Equal(640 * 1024, channel.BufferedAmount);
        Assert.True(link.RunUntil(() => a.Events.Any(e => e.Kind == DataChannelEventKind.BufferedAmountLow && e.Channel == channel)), string.Join(",", a.Events.Select(e => e.Kind)) + " " + channel.BufferedAmount);
        Assert.True(channel.BufferedAmount <= 64 * 1024, $"{channel.BufferedAmount}");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Lossy_link_delivers_channel_messages_exactly_once_in_order(int seed)
    {
        var (a, b, link) = Pair(seed: seed);
        link.Loss = 0.05;
        link.Duplication = 0.05;
        link.Reordering = 0.05;
        DataChannel c1 = OpenAndWait(a, b, link, "one");
        DataChannel c2 = OpenAndWait(b, a, link, "two");
        var sent1 = Enumerable.Range(0, 200).Select(i => Pattern(i * 37 % 9000, i)).ToList();
        var sent2 = Enumerable.Range(0, 100).Select(i => Pattern(i * 91 % 3000, -i)).ToList();
        sent1.ForEach(m => Assert.Equal(DataChannelSendResult.Ok, c1.Send(m)));
        sent2.ForEach(m => Assert.Equal(DataChannelSendResult.Ok, c2.Send(m, isText: true)));
        Assert.True(link.RunUntil(() => b.Messages.Count >= 200 && a.Messages.Count >= 100, 3_600_000));
        link.Advance(20_000);
        Assert.Equal(sent1, b.Messages.Select(m => m.Data));
        Assert.Equal(sent2, a.Messages.Select(m => m.Data));
        c1.Close();
        Assert.True(link.RunUntil(() => c1.State == DataChannelState.Closed && b.Events.Any(e => e.Kind == DataChannelEventKind.Closed), 600_000));
    }

    [Fact]
    public void Association_close_closes_every_channel()
    {
        var (a, b, link) = Pair();
        DataChannel c = OpenAndWait(a, b, link, "z");
        a.Endpoint.Association.Shutdown(link.Now);
        Assert.True(link.RunUntil(() => b.Events.Any(e => e.Kind == DataChannelEventKind.Disconnected)));
        Assert.Equal(DataChannelState.Closed, c.State);
        Assert.Contains(b.Events, e => e.Kind == DataChannelEventKind.Closed);
        Assert.Contains(a.Events, e => e.Kind == DataChannelEventKind.Disconnected);
    }

    [Fact]
    public void Dcep_open_parser_rejects_inconsistent_lengths()
    {
        byte[] good = [0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, (byte)'a', (byte)'b'];
        Assert.True(DcepMessage.TryReadOpen(good, out DcepMessage.Open open));
        Assert.Equal(("a", "b"), (open.Label, open.Protocol));
        byte[] longLabel = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(longLabel.AsSpan(8), 5);
        Assert.False(DcepMessage.TryReadOpen(longLabel, out _));
        Assert.False(DcepMessage.TryReadOpen(good.AsSpan(0, 11), out _));
        byte[] badType = (byte[])good.Clone();
        badType[1] = 0x7F;
        Assert.False(DcepMessage.TryReadOpen(badType, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Both_sides_closing_at_once_still_close_both(int seed)
    {
        var (a, b, link) = Pair(seed: seed);
        link.Loss = 0.1;
        DataChannel mine = OpenAndWait(a, b, link, "both");
        DataChannel theirs = b.Endpoint.GetChannel(mine.Id)!;
        mine.Send(Pattern(5000, 1));
        theirs.Send(Pattern(5000, 2));
        mine.Close();
        theirs.Close();
        Assert.True(link.RunUntil(() => mine.State == DataChannelState.Closed && theirs.State == DataChannelState.Closed, 600_000));
        Assert.Single(a.Messages);
        Assert.Single(b.Messages);
        Assert.Single(a.Events, e => e.Kind == DataChannelEventKind.Closed);
        Assert.Single(b.Events, e => e.Kind == DataChannelEventKind.Closed);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Shutdown_under_loss_delivers_everything_then_disconnects_both(int seed)
    {
        var (a, b, link) = Pair(seed: seed);
        DataChannel c = OpenAndWait(a, b, link, "s");
        link.Loss = 0.15;
        for (int i = 0; i < 30; i++)
        {
            c.Send(Pattern(3000 + i, i));
        }

        a.Endpoint.Association.Shutdown(link.Now);
        Assert.True(link.RunUntil(() => a.Events.Any(e => e.Kind == DataChannelEventKind.Disconnected)
            && b.Events.Any(e => e.Kind == DataChannelEventKind.Disconnected), 600_000));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => Pattern(3000 + i, i)), b.Messages.Select(m => m.Data));
    }
}
