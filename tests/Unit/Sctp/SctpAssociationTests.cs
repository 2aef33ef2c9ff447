using RtcScamp.Transport.WebRtc.Sctp;
using Xunit;
using static RtcScamp.Tests.Sctp.SctpTestPairs;

namespace RtcScamp.Tests.Sctp;

public class SctpAssociationTests
{
    [Fact]
    public void Handshake_with_one_active_side_establishes_both()
    {
        var (a, b, _) = Established(bothConnect: false);
        Assert.Contains(a.Events, e => e.Kind == SctpEventKind.Established);
        Assert.Contains(b.Events, e => e.Kind == SctpEventKind.Established);
        Assert.Equal(65535, a.Association.OutboundStreams);
        Assert.True(a.Association.PeerSupportsReconfig);
        Assert.True(b.Association.PeerSupportsReconfig);
    }

    [Fact]
    public void Simultaneous_INITs_collide_and_still_establish_once()
    {
        var (a, b, link) = Established(bothConnect: true);
        Assert.Single(a.Events, e => e.Kind == SctpEventKind.Established);
        Assert.Single(b.Events, e => e.Kind == SctpEventKind.Established);
        link.Advance(5_000);
        Assert.Single(a.Events, e => e.Kind == SctpEventKind.Established);
        Assert.Equal(SctpAssociationState.Established, a.Association.State);
        Assert.Equal(SctpAssociationState.Established, b.Association.State);
        Assert.Equal(0, a.Association.DroppedPackets);
        Assert.Equal(0, b.Association.DroppedPackets);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Collision_survives_losing_each_of_the_first_packets(int dropIndex)
    {
        var a = new AssociationEndpoint(Create(1));
        var b = new AssociationEndpoint(Create(2));
        var link = new SctpLink(a, b);
        int count = 0;
        link.Filter = (_, _) => count++ != dropIndex;
        a.Association.Connect(0);
        b.Association.Connect(0);
        Assert.True(link.RunUntil(() => a.Association.State == SctpAssociationState.Established
            && b.Association.State == SctpAssociationState.Established, 60_000));
        Assert.True(SendAndDeliver(a, b, link, Pattern(5000, 3)));
        Assert.True(SendAndDeliver(b, a, link, Pattern(5000, 4)));
    }

    [Fact]
    public void Handshake_gives_up_after_max_init_retransmits()
    {
        var a = new AssociationEndpoint(Create(1));
        var b = new AssociationEndpoint(Create(2));
        var link = new SctpLink(a, b) { Filter = (_, _) => false };
        a.Association.Connect(0);
        link.RunUntil(() => a.Association.IsTerminated, 3_600_000);
        Assert.Contains(a.Events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.HandshakeTimeout });
    }

    private static bool SendAndDeliver(AssociationEndpoint from, AssociationEndpoint to, SctpLink link, byte[] data, ushort stream = 1, bool unordered = false)
    {
        int before = to.Messages.Count;
        Assert.Equal(SctpSendResult.Ok, from.Association.Send(stream, 53, data, unordered));
        if (!link.RunUntil(() => to.Messages.Count > before, 120_000))
        {
            return false;
        }

        Assert.Equal(data, to.Messages[before].Data);
        Assert.Equal(stream, to.Messages[before].Stream);
        return true;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(1172)]
    [InlineData(1173)]
    [InlineData(65536)]
    [InlineData(262144)]
    public void Messages_round_trip_byte_exact_both_ways(int size)
    {
        var (a, b, link) = Established();
        Assert.True(SendAndDeliver(a, b, link, Pattern(size, 1)));
        Assert.True(SendAndDeliver(b, a, link, Pattern(size, 2), stream: 2));
        Assert.Equal(53u, b.Messages[0].Ppid);
    }

    [Fact]
    public void Oversized_message_is_refused_at_send()
    {
        var (a, _, _) = Established();
        Assert.Equal(SctpSendResult.TooLarge, a.Association.Send(1, 53, new byte[(256 * 1024) + 1]));
        a.Association.MaxSendMessageSize = 1000;
        Assert.Equal(SctpSendResult.TooLarge, a.Association.Send(1, 53, new byte[1001]));
        Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, new byte[1000]));
    }

    [Fact]
    public void Oversized_incoming_message_is_discarded_not_delivered()
    {
        var (a, b, link) = Established(optionsB: new SctpAssociationOptions { MaxReceiveMessageSize = 4000 });
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(3, new SctpAssociationOptions { ReceiveWindow = 100_000, MaxReceiveMessageSize = 100_000 }));
        a.Association.MaxSendMessageSize = 0;
        Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, new byte[10_000]));
        Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, Pattern(300, 9)));
        Assert.True(link.RunUntil(() => b.Messages.Count == 1 && a.Association.BufferedAmount == 0));
        Assert.Equal(Pattern(300, 9), b.Messages[0].Data);
        Assert.Equal(1, b.Association.DiscardedMessages);
        Assert.Equal(0, b.Association.ReceiveBufferUsed);
    }

    [Fact]
    public void Ordered_messages_arrive_in_order_and_unordered_all_arrive()
    {
        var (a, b, link) = Established();
        var sent = new List<byte[]>();
        for (int i = 0; i < 400; i++)
        {
            byte[] m = Pattern(1 + ((i * 977) % 5000), i);
            sent.Add(m);
            Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, m, unordered: i % 2 == 1));
        }

        Assert.True(link.RunUntil(() => b.Messages.Count == sent.Count));
        var ordered = b.Messages.Where(m => !m.Unordered).Select(m => m.Data).ToList();
        Assert.Equal(sent.Where((_, i) => i % 2 == 0), ordered);
        Assert.Equal(200, b.Messages.Count(m => m.Unordered));
        Assert.Equal(sent.Count, b.Messages.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Lossy_duplicating_reordering_link_delivers_exactly_once_in_order(int seed)
    {
        var (a, b, link) = Established(seed: seed);
        link.Loss = 0.05;
        link.Duplication = 0.05;
        link.Reordering = 0.05;
        var sentA = new List<byte[]>();
        var sentB = new List<byte[]>();
        var rng = new Random(seed);
        for (int i = 0; i < 300; i++)
        {
            byte[] m = Pattern(1 + rng.Next(20_000), i);
            sentA.Add(m);
            Assert.Equal(SctpSendResult.Ok, a.Association.Send((ushort)(1 + (i % 3)), 53, m));
            if (i % 3 == 0)
            {
                byte[] r = Pattern(1 + rng.Next(3000), -i);
                sentB.Add(r);
                Assert.Equal(SctpSendResult.Ok, b.Association.Send(7, 51, r));
            }
        }

        Assert.True(link.RunUntil(() => b.Messages.Count >= sentA.Count && a.Messages.Count >= sentB.Count, 3_600_000));
        link.Advance(30_000);
        Assert.Equal(sentA.Count, b.Messages.Count);
        Assert.Equal(sentB.Count, a.Messages.Count);
        for (ushort s = 1; s <= 3; s++)
        {
            var expected = sentA.Where((_, i) => 1 + (i % 3) == s);
            Assert.Equal(expected, b.Messages.Where(m => m.Stream == s).Select(m => m.Data));
        }

        Assert.Equal(sentB, a.Messages.Select(m => m.Data));
        Assert.Equal(0, a.Association.BufferedAmount);
        Assert.Equal(0, b.Association.ReceiveBufferUsed);
    }

    [Fact]
    public void Twenty_megabytes_complete_and_the_receiver_buffer_stays_bounded()
    {
        var options = new SctpAssociationOptions { ReceiveWindow = 256 * 1024, MaxReceiveMessageSize = 128 * 1024 };
        var (a, b, link) = Established(options: options);
        b.CountOnly = true;
        long maxHeld = 0;
        long totalSent = 0;
        const long Total = 20L * 1024 * 1024;
        byte[] chunk = Pattern(64 * 1024, 5);
        link.Observe = () =>
        {
            maxHeld = Math.Max(maxHeld, b.Association.ReceiveBufferUsed);
            while (totalSent < Total && a.Association.Send(1, 53, chunk) == SctpSendResult.Ok)
            {
                totalSent += chunk.Length;
            }

            // Slow reader: reads only on every 4th step of fake time.
            b.Paused = link.Now / 10 % 4 != 0;
        };
        link.TickMs = 5;
        Assert.True(link.RunUntil(() => b.BytesReceived == Total, 3_600_000));
        Assert.InRange(maxHeld, 64 * 1024, options.ReceiveWindow);
        Assert.Equal(Total / chunk.Length, b.MessageCount);
    }

    [Fact]
    public void Congestion_window_grows_under_no_loss_and_throughput_follows()
    {
        var options = new SctpAssociationOptions { ReceiveWindow = 4 * 1024 * 1024 };
        var (a, b, link) = Established(options: options, latencyMs: 10);
        b.CountOnly = true;
        byte[] chunk = Pattern(64 * 1024, 6);
        long sent = 0;
        const long Total = 32L * 1024 * 1024;
        link.Observe = () =>
        {
            while (sent < Total && a.Association.Send(1, 53, chunk) == SctpSendResult.Ok)
            {
                sent += chunk.Length;
            }
        };
        long start = link.Now;
        Assert.True(link.RunUntil(() => b.BytesReceived == Total && a.Association.BufferedAmount == 0, 600_000));
        long elapsed = link.Now - start;

        // 20 ms RTT, 4 MiB window: ≈ 200 MB/s once open. Slow start from 4380 B to 4 MiB takes
        // ≈ 18 round trips (360 ms); 32 MiB must finish within 1 s of fake time (> 33 MB/s), which
        // fails by an order of magnitude if cwnd grows linearly or collapses.
        Assert.True(elapsed < 1_000, $"32 MiB took {elapsed} ms of fake time");
        Assert.True(a.Association.CongestionWindow >= 2 * 1024 * 1024, $"cwnd {a.Association.CongestionWindow}");
        Assert.Equal(0, a.Association.BufferedAmount);
    }

    [Fact]
    public void Ten_streams_at_once_each_in_order()
    {
        var (a, b, link) = Established();
        for (int round = 0; round < 20; round++)
        {
            for (ushort s = 0; s < 10; s++)
            {
                Assert.Equal(SctpSendResult.Ok, a.Association.Send(s, 53, Pattern(100 + (round * 300), (s * 100) + round)));
            }
        }

        Assert.True(link.RunUntil(() => b.Messages.Count == 200));
        for (ushort s = 0; s < 10; s++)
        {
            var got = b.Messages.Where(m => m.Stream == s).Select(m => m.Data).ToList();
            Assert.Equal(Enumerable.Range(0, 20).Select(r => Pattern(100 + (r * 300), (s * 100) + r)), got);
        }
    }

    [Fact]
    public void Stream_reset_is_confirmed_and_seen_by_the_peer_after_the_streams_data()
    {
        var (a, b, link) = Established();
        Assert.Equal(SctpSendResult.Ok, a.Association.Send(3, 53, Pattern(50_000, 1)));
        a.Association.ResetStream(3);
        Assert.Equal(SctpSendResult.StreamResetting, a.Association.Send(3, 53, [1]));
        Assert.True(link.RunUntil(() => a.Events.Any(e => e.Kind == SctpEventKind.OutgoingStreamReset)));
        Assert.Single(b.Messages);
        int resetIndex = b.Events.FindIndex(e => e is { Kind: SctpEventKind.IncomingStreamReset, StreamId: 3 });
        Assert.True(resetIndex >= 0);

        // The peer answers by resetting its own outgoing side of the stream (RFC 8831 §6.7).
        b.Association.ResetStream(3);
        Assert.True(link.RunUntil(() => b.Events.Any(e => e is { Kind: SctpEventKind.OutgoingStreamReset, StreamId: 3 })
            && a.Events.Any(e => e is { Kind: SctpEventKind.IncomingStreamReset, StreamId: 3 })));

        // Stream is usable again afterwards.
        Assert.True(SendAndDeliver(a, b, link, Pattern(10, 2), stream: 3));
    }

    [Fact]
    public void Stream_reset_under_loss_completes()
    {
        for (int seed = 1; seed <= 5; seed++)
        {
            var (a, b, link) = Established(seed: seed);
            link.Loss = 0.2;
            for (int i = 0; i < 20; i++)
            {
                a.Association.Send(3, 53, Pattern(3000, i));
            }

            a.Association.ResetStream(3);
            Assert.True(link.RunUntil(() => a.Events.Any(e => e.Kind == SctpEventKind.OutgoingStreamReset)
                && b.Events.Any(e => e.Kind == SctpEventKind.IncomingStreamReset), 600_000));
            Assert.Equal(20, b.Messages.Count);
        }
    }

    [Fact]
    public void Graceful_shutdown_delivers_queued_data_then_closes_both()
    {
        var (a, b, link) = Established();
        for (int i = 0; i < 10; i++)
        {
            a.Association.Send(1, 53, Pattern(20_000, i));
        }

        a.Association.Shutdown(link.Now);
        Assert.Equal(SctpSendResult.NotConnected, a.Association.Send(1, 53, [1]));
        Assert.True(link.RunUntil(() => a.Association.IsTerminated && b.Association.IsTerminated));
        Assert.Equal(10, b.Messages.Count);
        Assert.Contains(a.Events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.Shutdown });
        Assert.Contains(b.Events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.Shutdown });
    }

    [Fact]
    public void Abort_reaches_the_peer()
    {
        var (a, b, link) = Established();
        a.Association.Abort(link.Now);
        Assert.True(link.RunUntil(() => b.Association.IsTerminated));
        Assert.Contains(a.Events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.LocalAbort });
        Assert.Contains(b.Events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.PeerAbort });
    }

    [Fact]
    public void Messages_received_before_an_abort_stay_readable_after_it()
    {
        // B receives two messages but its application has not polled them when the peer's ABORT arrives. They were
        // acknowledged and their events are queued, so they are still read, in order, before Closed (the abort used
        // to release their fragments under the queued events, and reading one threw).
        var pair = new UnpolledPair();
        byte[] first = Pattern(3000, 1), second = Pattern(10, 2);
        Assert.Equal(SctpSendResult.Ok, pair.A.Send(1, 53, first));
        Assert.Equal(SctpSendResult.Ok, pair.A.Send(1, 53, second));
        pair.Shuttle();
        Assert.True(pair.B.ReceiveBufferUsed > 0, "both messages wait in B, unpolled");

        pair.A.Abort(pair.Now);
        pair.Shuttle();
        Assert.True(pair.B.IsTerminated);
        var read = new byte[4096];
        foreach (byte[] expected in new[] { first, second })
        {
            Assert.True(pair.B.PollEvent(out SctpEvent message));
            Assert.Equal(SctpEventKind.Message, message.Kind);
            Assert.Equal(expected.Length, pair.B.ReadMessage(read));
            Assert.Equal(expected, read[..expected.Length]);
        }

        Assert.True(pair.B.PollEvent(out SctpEvent closed));
        Assert.Equal(SctpEventKind.Closed, closed.Kind);
        Assert.Equal(SctpCloseReason.PeerAbort, closed.CloseReason);
        Assert.False(pair.B.PollEvent(out _));
        Assert.Equal(0, pair.B.DiscardedMessages);
        Assert.Equal(0, pair.B.ReceiveBufferUsed);
    }

    [Fact]
    public void An_abort_drops_the_message_being_reassembled_and_the_chunks_parked_out_of_order()
    {
        // A 5000-byte message leaves A in several DATA packets; B gets the first and the third only, so it holds the
        // first fragment in reassembly and the third parked above a gap. Neither can become a message after an abort.
        var pair = new UnpolledPair();
        Assert.Equal(SctpSendResult.Ok, pair.A.Send(1, 53, Pattern(5000, 3)));
        int sent = 0;
        pair.Shuttle(keepAToB: () => ++sent is 1 or 3);
        Assert.True(sent >= 3, $"the message took {sent} packets");
        Assert.True(pair.B.ReceiveBufferUsed > 0, "two fragments held");

        pair.A.Abort(pair.Now);
        pair.Shuttle();
        Assert.True(pair.B.IsTerminated);
        Assert.True(pair.B.PollEvent(out SctpEvent closed));
        Assert.Equal(SctpEventKind.Closed, closed.Kind);
        Assert.False(pair.B.PollEvent(out _));
        Assert.Equal(1, pair.B.DiscardedMessages);
        Assert.Equal(0, pair.B.ReceiveBufferUsed);
    }

    /// <summary>
    /// Two established associations shuttled by hand, whose events nobody polls (the pairs in SctpTestPairs and
    /// tests/Shared read every message as it arrives); B's Established event is consumed.
    /// </summary>
    private sealed class UnpolledPair
    {
        private readonly byte[] _packet = new byte[1500];

        public UnpolledPair()
        {
            A.Connect(Now);
            B.Connect(Now);
            Shuttle();
            Assert.Equal(SctpAssociationState.Established, B.State);
            Assert.True(B.PollEvent(out SctpEvent established) && established.Kind == SctpEventKind.Established);
        }

        public SctpAssociation A { get; } = Create(1);

        public SctpAssociation B { get; } = Create(2);

        public long Now { get; private set; }

        /// <summary>50 ms of traffic both ways; <paramref name="keepAToB"/>, if given, decides for each packet from A whether it arrives.</summary>
        public void Shuttle(Func<bool>? keepAToB = null)
        {
            for (int i = 0; i < 50; i++)
            {
                Now++;
                int n;
                while ((n = A.PollTransmit(_packet, Now)) > 0)
                {
                    if (keepAToB is null || keepAToB())
                    {
                        B.HandlePacket(_packet.AsSpan(0, n), Now);
                    }
                }

                while ((n = B.PollTransmit(_packet, Now)) > 0)
                {
                    A.HandlePacket(_packet.AsSpan(0, n), Now);
                }
            }
        }
    }

    [Fact]
    public void Dead_peer_ends_the_association_after_max_retransmissions()
    {
        var (a, _, link) = Established();
        link.Filter = (_, _) => false;
        a.Association.Send(1, 53, [1, 2, 3]);
        Assert.True(link.RunUntil(() => a.Association.IsTerminated, 3_600_000));
        Assert.Contains(a.Events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.RetransmitLimit });
    }

    [Fact]
    public void Buffered_amount_low_fires_when_acks_drain_the_stream()
    {
        var (a, _, link) = Established();
        a.Association.SetBufferedAmountLowThreshold(4, 10_000);
        a.Association.Send(4, 53, new byte[100_000]);
        Assert.Equal(100_000, a.Association.GetBufferedAmount(4));
        Assert.True(link.RunUntil(() => a.Association.GetBufferedAmount(4) == 0));
        Assert.Single(a.Events, e => e is { Kind: SctpEventKind.BufferedAmountLow, StreamId: 4 });
    }

    [Fact]
    public void Send_buffer_limit_reports_buffer_full()
    {
        var (a, _, _) = Established(options: new SctpAssociationOptions { SendBufferLimit = 100_000 });
        Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, new byte[60_000]));
        Assert.Equal(SctpSendResult.BufferFull, a.Association.Send(1, 53, new byte[60_000]));
    }

    [Fact]
    public void Fast_retransmit_recovers_a_single_loss_without_timeout()
    {
        var (a, b, link) = Established();
        int dataPackets = 0;
        link.Filter = (from, p) => !(from == 0 && p.Length > 100 && ++dataPackets == 3);
        a.Association.Send(1, 53, new byte[60_000]);
        long start = link.Now;
        Assert.True(link.RunUntil(() => b.Messages.Count == 1));
        Assert.True(link.Now - start < a.Association.RetransmissionTimeout, $"took {link.Now - start} ms");
        Assert.True(a.Association.CongestionWindow > a.Association.SlowStartThreshold / 2);
    }

    [Fact]
    public void Stalled_reader_closes_the_window_and_probing_resumes_without_aborting()
    {
        var options = new SctpAssociationOptions { ReceiveWindow = 128 * 1024, MaxReceiveMessageSize = 64 * 1024 };
        var (a, b, link) = Established(options: options);
        b.Paused = true;
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, Pattern(16 * 1024, i)));
        }

        // Ten minutes of a reader that never reads: far more than Association.Max.Retrans RTOs.
        link.Advance(600_000);
        Assert.False(a.Association.IsTerminated);
        Assert.InRange(b.Association.ReceiveBufferUsed, 100 * 1024, options.ReceiveWindow);
        Assert.Equal(0, a.Association.PeerReceiveWindow);

        b.Paused = false;
        b.DrainEvents();
        Assert.True(link.RunUntil(() => b.Messages.Count == 40, 120_000));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => Pattern(16 * 1024, i)), b.Messages.Select(m => m.Data));
    }

    [Fact]
    public void Flood_of_one_byte_messages_is_delivered_with_memory_bounded()
    {
        var options = new SctpAssociationOptions { ReceiveWindow = 64 * 1024, MaxReceiveMessageSize = 16 * 1024 };
        var (a, b, link) = Established(options: options);
        b.CountOnly = true;
        long maxHeld = 0;
        link.Observe = () => maxHeld = Math.Max(maxHeld, b.Association.ReceiveBufferUsed);
        for (int i = 0; i < 20_000; i++)
        {
            Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, [(byte)i], unordered: i % 2 == 0));
        }

        Assert.True(link.RunUntil(() => b.MessageCount == 20_000, 600_000));
        Assert.True(maxHeld <= options.ReceiveWindow + (16 * 1200), $"held {maxHeld}");
        Assert.Equal(20_000, b.BytesReceived);
    }

    [Fact]
    public void Same_seed_and_inputs_give_byte_identical_packets()
    {
        static List<byte[]> Trace()
        {
            var (a, b, link) = Established(seed: 9);
            var trace = new List<byte[]>();
            link.Loss = 0.1;
            link.Reordering = 0.1;
            link.Filter = (_, p) =>
            {
                trace.Add(p);
                return true;
            };
            for (int i = 0; i < 50; i++)
            {
                a.Association.Send((ushort)(i % 4), 53, Pattern(1 + (i * 700), i));
            }

            a.Association.ResetStream(2);
            link.RunUntil(() => b.Messages.Count == 50 && a.Association.BufferedAmount == 0);
            return trace;
        }

        List<byte[]> first = Trace();
        List<byte[]> second = Trace();
        Assert.True(first.Count > 100);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Lost_shutdown_complete_is_answered_after_termination()
    {
        var (a, b, link) = Established();
        bool dropped = false;
        link.Filter = (from, p) =>
        {
            // Drop A's first SHUTDOWN-COMPLETE (chunk type 14).
            if (from == 0 && p[12] == 14 && !dropped)
            {
                dropped = true;
                return false;
            }

            return true;
        };
        a.Association.Shutdown(link.Now);
        long start = link.Now;
        Assert.True(link.RunUntil(() => a.Association.IsTerminated && b.Association.IsTerminated));
        Assert.True(dropped);
        Assert.Contains(b.Events, e => e is { Kind: SctpEventKind.Closed, CloseReason: SctpCloseReason.Shutdown });
        Assert.True(link.Now - start < 5_000, $"took {link.Now - start} ms");
    }

    [Fact]
    public void Streams_take_turns_so_bulk_data_does_not_starve_a_small_message()
    {
        var (a, b, link) = Established();
        for (int i = 0; i < 32; i++)
        {
            Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, new byte[64 * 1024]));
        }

        Assert.Equal(SctpSendResult.Ok, a.Association.Send(2, 51, [42]));
        Assert.True(link.RunUntil(() => b.Messages.Any(m => m.Stream == 2)));

        // The small message overtook almost all of the 2 MiB queued before it on another stream.
        Assert.True(b.Messages.Count(m => m.Stream == 1) <= 2, $"{b.Messages.Count(m => m.Stream == 1)} bulk messages first");
        Assert.True(link.RunUntil(() => b.Messages.Count == 33));
    }

    [Theory]
    [InlineData(300, 2000)]
    [InlineData(1200, 5000)]
    [InlineData(9000, 30_000)]
    public void Small_mtus_and_tiny_windows_still_deliver_under_loss(int mtu, int maxMessage)
    {
        int window = maxMessage + (4 * mtu);
        var options = new SctpAssociationOptions { Mtu = mtu, ReceiveWindow = window, MaxReceiveMessageSize = maxMessage };
        var (a, b, link) = Established(options: options, seed: mtu);
        link.Loss = 0.05;
        link.Reordering = 0.05;
        var sent = Enumerable.Range(0, 40).Select(i => Pattern(1 + (i * 997 % maxMessage), i)).ToList();
        sent.ForEach(m => Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, m)));
        long maxHeld = 0;
        link.Observe = () => maxHeld = Math.Max(maxHeld, b.Association.ReceiveBufferUsed);
        Assert.True(link.RunUntil(() => b.Messages.Count == sent.Count, 3_600_000));
        Assert.Equal(sent, b.Messages.Select(m => m.Data));
        Assert.True(maxHeld <= window + (16 * mtu), $"held {maxHeld}");
    }
}
