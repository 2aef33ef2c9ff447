using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using RtcScamp.Transport.WebRtc.Dtls;
using Xunit;

namespace RtcScamp.Tests.Dtls;

/// <summary>
/// Our epoch-1 record layer (DtlsRecordLayer) after BouncyCastle's handshake: it takes over for every
/// suite we negotiate, talks to BouncyCastle's own record layer byte-exactly in both directions, never
/// repeats a sequence number (also when BouncyCastle resends its last flight after the takeover),
/// discards and counts hostile records without throwing, and allocates nothing per record.
/// </summary>
public class DtlsRecordLayerTests
{
    private const int Aes128Gcm = 0xC02B;
    private const int Aes256Gcm = 0xC02C;
    private const int ChaCha20Poly1305Suite = 0xCCA9;
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(10);

    public static TheoryData<int> Suites => [Aes128Gcm, Aes256Gcm, ChaCha20Poly1305Suite];

    public static TheoryData<int, bool> SuitesAndBouncyCastleSide => new()
    {
        { Aes128Gcm, false }, { Aes128Gcm, true },
        { Aes256Gcm, false }, { Aes256Gcm, true },
        { ChaCha20Poly1305Suite, false }, { ChaCha20Poly1305Suite, true },
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Our_record_layer_takes_over_for_every_suite_we_negotiate(int suite)
    {
        var options = new DtlsOptions { OfferedCipherSuites = [suite] };
        using var link = Connect(options);

        Assert.Equal(suite, link.Client.NegotiatedCipherSuite);
        DtlsRecordProtection expected = suite switch
        {
            Aes128Gcm => DtlsRecordProtection.Aes128Gcm,
            Aes256Gcm => DtlsRecordProtection.Aes256Gcm,
            _ => ChaCha20Poly1305.IsSupported ? DtlsRecordProtection.ChaCha20Poly1305 : DtlsRecordProtection.BouncyCastle,
        };
        Assert.Equal(expected, link.Client.RecordProtection);
        Assert.Equal(expected, link.Server.RecordProtection);
        Assert.Equal(expected != DtlsRecordProtection.BouncyCastle, link.Client.UsesOwnRecordLayer);

        AssertRoundTrips(link);
    }

    [Theory]
    [MemberData(nameof(SuitesAndBouncyCastleSide))]
    public void Our_records_and_bouncycastles_records_are_read_by_each_other(int suite, bool serverKeepsBouncyCastle)
    {
        // One side keeps BouncyCastle's record layer: a symmetric mistake of ours (nonce, additional data,
        // key order) would pass a test between two of our layers but not this one.
        var ours = new DtlsOptions { OfferedCipherSuites = [suite] };
        var theirs = new DtlsOptions { OfferedCipherSuites = [suite], BouncyCastleRecordLayer = true };
        using var link = Connect(serverKeepsBouncyCastle ? ours : theirs, serverKeepsBouncyCastle ? theirs : ours);
        DtlsEndpoint own = serverKeepsBouncyCastle ? link.Client : link.Server;
        DtlsEndpoint bc = serverKeepsBouncyCastle ? link.Server : link.Client;
        Assert.Equal(suite != ChaCha20Poly1305Suite || ChaCha20Poly1305.IsSupported, own.UsesOwnRecordLayer);
        Assert.False(bc.UsesOwnRecordLayer);

        AssertRoundTrips(link, empty: false);

        // close_notify both ways: ours is understood by BouncyCastle, and we answer BouncyCastle's.
        own.Close();
        Assert.True(link.PumpUntil(() => bc.State == DtlsState.Closed, s_limit));
        link.Shuttle();
        Assert.True((serverKeepsBouncyCastle ? link.ServerEvents : link.ClientEvents)[^1].ByPeer);
    }

    [Fact]
    public void Bouncycastle_close_notify_is_answered_and_reported_as_closed_by_peer()
    {
        var ours = new DtlsOptions();
        var theirs = new DtlsOptions { BouncyCastleRecordLayer = true };
        using var link = Connect(theirs, ours);
        Assert.True(link.Server.UsesOwnRecordLayer);

        link.Client.Close();
        Assert.True(link.PumpUntil(() => link.Server.State == DtlsState.Closed, s_limit));
        link.Shuttle();
        Assert.True(link.ServerEvents[^1].ByPeer);
        Assert.Equal(DtlsFailureReason.None, link.Server.FailureReason);
    }

    [Fact]
    public void Peer_alerts_fatal_fail_and_warnings_other_than_close_notify_are_ignored()
    {
        using var link = Connect(new DtlsOptions());
        Assert.True(link.Client.SendAlert(1, 100)); // warning no_renegotiation: ignored
        link.Shuttle();
        Assert.Equal(DtlsState.Connected, link.Server.State);
        AssertRoundTrips(link);

        Assert.True(link.Client.SendAlert(2, 40)); // fatal handshake_failure
        link.Shuttle();
        Assert.Equal(DtlsState.Failed, link.Server.State);
        Assert.Equal(DtlsFailureReason.AlertReceived, link.Server.FailureReason);
        Assert.Equal(40, link.Server.FailureAlert);
        Assert.Equal(DtlsEventKind.Failed, link.ServerEvents[^1].Kind);
        Assert.False(link.Server.Send([1]));
    }

    [Fact]
    public void Sequence_numbers_continue_after_bouncycastles_and_never_repeat_even_when_its_last_flight_is_resent()
    {
        // The server is connected (and takes over) as soon as it has sent ChangeCipherSpec + Finished.
        // Drop that flight, let the server send data meanwhile, and let the client's retransmission make
        // BouncyCastle resend the flight: every epoch-1 record the server ever put on the wire must have
        // its own sequence number (one key: a repeat would reuse an AES-GCM nonce).
        var options = new DtlsOptions { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(200) };
        using var link = new DtlsLink(options);
        var serverEpoch1 = new List<(ulong Sequence, byte Type)>();
        int dropped = 0;
        link.Filter = (toServer, _, d) =>
        {
            if (toServer)
            {
                return 1;
            }

            for (ReadOnlySpan<byte> rest = d; rest.Length >= 13;)
            {
                int length = BinaryPrimitives.ReadUInt16BigEndian(rest[11..]);
                if (BinaryPrimitives.ReadUInt16BigEndian(rest[3..]) == 1)
                {
                    serverEpoch1.Add((((ulong)BinaryPrimitives.ReadUInt16BigEndian(rest[5..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(rest[7..]), rest[0]));
                }

                rest = rest[Math.Min(rest.Length, 13 + length)..];
            }

            bool lastFlight = d[0] == 20 || (d[0] == 22 && d[3] == 0 && d[4] == 1);
            if (lastFlight && dropped < 2)
            {
                dropped++;
                return 0;
            }

            return 1;
        };
        link.Start();
        Assert.True(link.PumpUntil(() => link.Server.State == DtlsState.Connected, s_limit));
        Assert.True(link.Server.UsesOwnRecordLayer);
        Assert.True(link.Server.Send(Encoding.UTF8.GetBytes("early")));
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();
        AssertRoundTrips(link);

        Assert.Equal(2, dropped);
        List<ulong> sequences = serverEpoch1.ConvertAll(r => r.Sequence);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        int finishedCount = serverEpoch1.Count(r => r.Type == 22);
        Assert.True(finishedCount >= 2, $"the Finished was resent ({finishedCount} epoch-1 handshake records)");

        // The first Finished is BouncyCastle's; our first record comes right after it; the resent
        // Finished (re-protected by us) comes after the early data.
        Assert.Equal(22, serverEpoch1[0].Type);
        Assert.Equal(serverEpoch1[0].Sequence + 1, serverEpoch1[1].Sequence);
        ulong early = serverEpoch1.First(r => r.Type == 23).Sequence;
        Assert.Contains(serverEpoch1, r => r.Type == 22 && r.Sequence > early);
        Assert.True(sequences.SequenceEqual(sequences.Order()), "strictly increasing on the wire");
    }

    [Fact]
    public void Hostile_records_are_discarded_and_counted_and_never_throw()
    {
        using var link = Connect(new DtlsOptions());
        DtlsEndpoint server = link.Server;
        byte[] record = SealOne(link.Client, "genuine");
        byte[] buffer = new byte[2048];
        server.HandleDatagram(record);
        Assert.True(server.TryReceive(buffer, out _));

        long discarded = server.DiscardedRecords;
        long ignored = server.IgnoredDatagrams;

        // Replay of an authenticated record.
        server.HandleDatagram(record);
        // Length field beyond the datagram (truncated record).
        server.HandleDatagram(record.AsSpan(0, record.Length - 1));
        // Wrong epochs: 2, and application data at epoch 0.
        server.HandleDatagram(WithEpoch(SealOne(link.Client, "epoch 2"), 2));
        server.HandleDatagram(WithEpoch(SealOne(link.Client, "epoch 0"), 0));
        // DTLS 1.0 version on an epoch-1 record (bound into the additional data: fails authentication).
        byte[] version = SealOne(link.Client, "version");
        version[2] = 0xFF;
        server.HandleDatagram(version);
        // A fragment too short for the explicit nonce and tag.
        server.HandleDatagram([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0x10, 0, 0, 5, 1, 2, 3, 4, 5]);
        // Bad tag.
        byte[] tampered = SealOne(link.Client, "tampered");
        tampered[^3] ^= 0x40;
        server.HandleDatagram(tampered);
        // An unknown content type at epoch 1, and a forged alert.
        server.HandleDatagram([24, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0x20, 0, 0, 2, 1, 0]);
        server.HandleDatagram([21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0x20, 0, 0, 26, .. new byte[26]]);

        Assert.Equal(discarded + 9, server.DiscardedRecords);
        Assert.Equal(ignored + 9, server.IgnoredDatagrams);
        Assert.False(server.TryReceive(buffer, out _));
        Assert.Equal(DtlsState.Connected, server.State);

        // A genuine record followed by a torn one in the same datagram: the first is delivered.
        byte[] good = SealOne(link.Client, "before the junk");
        server.HandleDatagram([.. good, 23, 0xFE, 0xFD, 0, 1]);
        Assert.True(server.TryReceive(buffer, out int length));
        Assert.Equal("before the junk", Encoding.UTF8.GetString(buffer, 0, length));
        Assert.Equal(discarded + 10, server.DiscardedRecords);

        // Random mutations of a genuine record: never an exception, never a delivery, still connected.
        var random = new Random(6);
        byte[] template = SealOne(link.Client, "template for mutations");
        for (int i = 0; i < 2000; i++)
        {
            byte[] mutated = (byte[])template.Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)random.Next(1, 256);
            }

            server.HandleDatagram(mutated.AsSpan(0, random.Next(1, mutated.Length + 1)));
        }

        Assert.False(server.TryReceive(buffer, out _));
        Assert.Equal(DtlsState.Connected, server.State);
        AssertRoundTrips(link);
    }

    [Fact]
    public void Reordered_records_within_the_window_are_delivered_once()
    {
        using var link = Connect(new DtlsOptions());
        byte[][] records = [.. Enumerable.Range(0, 70).Select(i => SealOne(link.Client, $"m{i}"))];
        byte[] buffer = new byte[2048];

        // Newest first, then the rest backwards: the 64-record window keeps records 6..69, drops 0..5.
        link.Server.HandleDatagram(records[69]);
        for (int i = 68; i >= 0; i--)
        {
            link.Server.HandleDatagram(records[i]);
        }

        var got = new List<string>();
        while (link.Server.TryReceive(buffer, out int length))
        {
            got.Add(Encoding.UTF8.GetString(buffer, 0, length));
        }

        Assert.Equal(64, got.Count);
        Assert.Equal("m69", got[0]);
        Assert.Equal("m6", got[^1]);
        foreach (byte[] record in records)
        {
            link.Server.HandleDatagram(record);
        }

        Assert.False(link.Server.TryReceive(buffer, out _));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(1024)]
    [InlineData(1163)]
    public void Steady_state_records_allocate_nothing(int size)
    {
        using var link = Connect(new DtlsOptions());
        byte[] message = new byte[size];
        Random.Shared.NextBytes(message);
        byte[] datagram = new byte[2048];
        byte[] plaintext = new byte[2048];
        int delivered = 0;

        void Round()
        {
            foreach ((DtlsEndpoint from, DtlsEndpoint to) in (ReadOnlySpan<(DtlsEndpoint, DtlsEndpoint)>)[(link.Client, link.Server), (link.Server, link.Client)])
            {
                from.Send(message);
                from.TryPollDatagram(datagram, out int length);
                to.HandleDatagram(datagram.AsSpan(0, length));
                if (to.TryReceive(plaintext, out int received) && received == size)
                {
                    delivered++;
                }
            }
        }

        for (int i = 0; i < 200; i++)
        {
            Round();
        }

        int rounds = 0;
        long allocated = AllocationProbe.MinAllocatedBytes(() =>
        {
            for (int i = 0; i < 500; i++)
            {
                Round();
                rounds++;
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(2 * (200 + rounds), delivered);
    }

    [Fact]
    public void Replay_window_accepts_new_and_in_window_numbers_once()
    {
        var window = default(DtlsReplayWindow);
        Assert.False(window.ShouldDiscard(5));
        window.Accept(5);
        Assert.True(window.ShouldDiscard(5));
        Assert.False(window.ShouldDiscard(4));
        Assert.False(window.ShouldDiscard(6));
        window.Accept(100);
        Assert.True(window.ShouldDiscard(36));   // 64 behind: out of the window
        Assert.False(window.ShouldDiscard(37));  // 63 behind: inside, unseen
        window.Accept(37);
        Assert.True(window.ShouldDiscard(37));
        window.Accept(101);
        Assert.True(window.ShouldDiscard(37));   // slid out
        Assert.True(window.ShouldDiscard(100));
        window.Accept((1UL << 48) - 1);           // a jump beyond the window clears it
        Assert.True(window.ShouldDiscard(101));
        Assert.False(window.ShouldDiscard((1UL << 48) - 2));
        Assert.True(window.ShouldDiscard((1UL << 48) - 1));
    }

    private static DtlsLink Connect(DtlsOptions clientOptions, DtlsOptions? serverOptions = null)
    {
        var link = new DtlsLink(clientOptions, serverOptions: serverOptions);
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();
        return link;
    }

    private static byte[] SealOne(DtlsEndpoint from, string text)
    {
        Assert.True(from.Send(Encoding.UTF8.GetBytes(text)));
        byte[] buffer = new byte[2048];
        Assert.True(from.TryPollDatagram(buffer, out int length));
        return buffer.AsSpan(0, length).ToArray();
    }

    private static byte[] WithEpoch(byte[] record, ushort epoch)
    {
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), epoch);
        return record;
    }

    // Empty records only between two of ours: BouncyCastle's DtlsTransport neither sends nor returns them.
    private static void AssertRoundTrips(DtlsLink link, bool empty = true)
    {
        byte[] buffer = new byte[2048];
        foreach ((DtlsEndpoint from, DtlsEndpoint to) in new[] { (link.Client, link.Server), (link.Server, link.Client) })
        {
            foreach (int size in new[] { empty ? 0 : 1, 1, 100, from.MaxApplicationDataSize })
            {
                byte[] message = new byte[size];
                Random.Shared.NextBytes(message);
                Assert.True(from.Send(message));
                link.Shuttle();
                Assert.True(to.TryReceive(buffer, out int length), $"{size} B arrived");
                Assert.Equal(message, buffer.AsSpan(0, length).ToArray());
            }
        }
    }
}
