using System.Text;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Dtls;

public class DtlsEndpointTests
{
    private const short BadCertificate = 42;
    private const short UserCanceled = 90;
    private const int EcdheEcdsaAes128GcmSha256 = 0xC02B;
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(10);

    // Short retransmit timer so loss tests finish fast; the logic is BouncyCastle's either way.
    private static readonly DtlsOptions s_fastRetransmit = new() { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public void In_memory_handshake_connects_both_sides_with_pinned_identities_and_data_flows_both_ways()
    {
        using var link = new DtlsLink();
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();

        DtlsEvent c = Assert.Single(link.ClientEvents);
        DtlsEvent s = Assert.Single(link.ServerEvents);
        Assert.Equal(DtlsEventKind.Connected, c.Kind);
        Assert.Equal(DtlsEventKind.Connected, s.Kind);
        Assert.Equal(link.ServerIdentity.Fingerprint, c.RemoteFingerprint);
        Assert.Equal(link.ServerIdentity.NodeId, c.RemoteNodeId);
        Assert.Equal(link.ClientIdentity.Fingerprint, s.RemoteFingerprint);
        Assert.Equal(link.ClientIdentity.NodeId, s.RemoteNodeId);
        Assert.Equal(link.ServerIdentity.NodeId, link.Client.RemoteNodeId);
        Assert.Equal(link.ClientIdentity.NodeId, link.Server.RemoteNodeId);

        Assert.Equal(EcdheEcdsaAes128GcmSha256, link.Client.NegotiatedCipherSuite);
        Assert.Equal(EcdheEcdsaAes128GcmSha256, link.Server.NegotiatedCipherSuite);
        Assert.True(link.Client.NegotiatedExtendedMasterSecret);
        Assert.True(link.Server.NegotiatedExtendedMasterSecret);

        // The handshake threads are gone once connected.
        Assert.True(link.Client.WaitForHandshakeThread(TimeSpan.FromSeconds(5)));
        Assert.True(link.Server.WaitForHandshakeThread(TimeSpan.FromSeconds(5)));

        AssertDelivers(link, link.Client, link.Server, "hello from the client");
        AssertDelivers(link, link.Server, link.Client, "hello from the server");

        byte[] big = new byte[link.Client.MaxApplicationDataSize];
        Random.Shared.NextBytes(big);
        Assert.True(link.Client.Send(big));
        link.Shuttle();
        byte[] got = new byte[2048];
        Assert.True(link.Server.TryReceive(got, out int length));
        Assert.Equal(big, got.AsSpan(0, length).ToArray());
        Assert.InRange(link.Client.MaxApplicationDataSize, 1100, 1200);
        Assert.Throws<ArgumentException>(() => link.Client.Send(new byte[link.Client.MaxApplicationDataSize + 1]));
    }

    [Fact]
    public void Client_expecting_another_fingerprint_fails_with_mismatch_and_server_receives_bad_certificate()
    {
        using var link = new DtlsLink(clientExpects: NodeIdentity.Generate().Fingerprint);
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Failed, s_limit));
        link.Shuttle();

        Assert.Equal(DtlsFailureReason.FingerprintMismatch, link.Client.FailureReason);
        Assert.Equal(BadCertificate, link.Client.FailureAlert);
        Assert.Equal(DtlsFailureReason.AlertReceived, link.Server.FailureReason);
        Assert.Equal(BadCertificate, link.Server.FailureAlert);
        DtlsEvent c = Assert.Single(link.ClientEvents);
        Assert.Equal(DtlsEventKind.Failed, c.Kind);
        Assert.Equal(DtlsFailureReason.FingerprintMismatch, c.Reason);
        Assert.False(link.Client.Send([1, 2, 3]));
    }

    [Fact]
    public void Server_expecting_another_fingerprint_fails_with_mismatch_and_client_receives_bad_certificate()
    {
        using var link = new DtlsLink(serverExpects: NodeIdentity.Generate().Fingerprint);
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Failed, s_limit));
        link.Shuttle();

        Assert.Equal(DtlsFailureReason.FingerprintMismatch, link.Server.FailureReason);
        Assert.Equal(DtlsFailureReason.AlertReceived, link.Client.FailureReason);
        Assert.Equal(BadCertificate, link.Client.FailureAlert);
        Assert.Equal(DtlsFailureReason.FingerprintMismatch, Assert.Single(link.ServerEvents).Reason);
        Assert.Equal(DtlsFailureReason.AlertReceived, Assert.Single(link.ClientEvents).Reason);
    }

    [Fact]
    public void A_claimed_NodeId_is_checked_against_the_key()
    {
        using (var link = new DtlsLink(serverExpectsNodeId: new NodeId(1, 2)))
        {
            link.Start();
            Assert.True(link.PumpUntilBoth(DtlsState.Failed, s_limit));
            Assert.Equal(DtlsFailureReason.NodeIdMismatch, link.Server.FailureReason);
            Assert.Equal(DtlsFailureReason.AlertReceived, link.Client.FailureReason);
            Assert.Equal(BadCertificate, link.Client.FailureAlert);
        }

        using (var link = new DtlsLink(serverExpectsNodeId: DtlsLink.SharedClientIdentity.NodeId))
        {
            link.Start();
            Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        }
    }

    [Fact]
    public void Handshake_completes_when_datagrams_are_dropped()
    {
        // Drop the first transmission of flights in both directions: ClientHello, the server's first
        // flight, and the client's second flight. BouncyCastle retransmits on its timer.
        using var link = new DtlsLink(s_fastRetransmit)
        {
            Filter = (toServer, index, _) => (toServer && (index == 0 || index == 2)) || (!toServer && index == 0) ? 0 : 1,
        };
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        AssertDelivers(link, link.Client, link.Server, "after loss");
    }

    [Fact]
    public void Handshake_completes_when_the_servers_last_flight_is_lost()
    {
        // The server is connected once it has sent its last flight (ChangeCipherSpec + Finished at
        // epoch 1). Drop that flight once: the client's retransmission then reaches a connected server,
        // whose record layer must resend the flight from the caller's thread.
        int dropped = 0;
        using var link = new DtlsLink(s_fastRetransmit);
        link.Filter = (toServer, _, d) =>
        {
            bool lastFlight = !toServer && (d[0] == 20 || (d[0] == 22 && d[3] == 0 && d[4] == 1));
            if (lastFlight && dropped < 2)
            {
                dropped++;
                return 0;
            }

            return 1;
        };
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        Assert.Equal(2, dropped);
        AssertDelivers(link, link.Server, link.Client, "after a lost last flight");
    }

    [Fact]
    public void Duplicated_datagrams_still_connect_and_duplicate_records_are_delivered_once()
    {
        using var link = new DtlsLink(s_fastRetransmit) { Filter = (_, _, _) => 2 };
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();

        long ignoredBefore = link.Server.IgnoredDatagrams;
        Assert.True(link.Client.Send(Encoding.UTF8.GetBytes("once")));
        link.Shuttle();
        byte[] got = new byte[2048];
        Assert.True(link.Server.TryReceive(got, out int length));
        Assert.Equal("once", Encoding.UTF8.GetString(got, 0, length));
        Assert.False(link.Server.TryReceive(got, out _));
        Assert.Equal(ignoredBefore + 1, link.Server.IgnoredDatagrams);
    }

    [Fact]
    public void Garbage_after_connected_is_dropped_without_exception_and_the_association_survives()
    {
        using var link = new DtlsLink();
        byte[]? record = null;
        link.Filter = (toServer, _, d) =>
        {
            if (toServer && link.Client.State == DtlsState.Connected && d[0] == 23)
            {
                record = d.ToArray();
            }

            return 1;
        };
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();

        // Not DTLS at all: rejected before the record layer.
        long droppedBefore = link.Server.DroppedDatagrams;
        link.Server.HandleDatagram([1, 2, 3]);
        link.Server.HandleDatagram(new byte[4000]);
        byte[] noise = new byte[200];
        Random.Shared.NextBytes(noise);
        noise[0] = 0x80;
        link.Server.HandleDatagram(noise);
        Assert.Equal(droppedBefore + 3, link.Server.DroppedDatagrams);

        // A real application-data record with one ciphertext bit flipped: the record layer discards it (bad MAC).
        AssertDelivers(link, link.Client, link.Server, "capture me");
        Assert.NotNull(record);
        byte[] tampered = (byte[])record.Clone();
        tampered[^1] ^= 0x01;
        long ignoredBefore = link.Server.IgnoredDatagrams;
        link.Server.HandleDatagram(tampered);
        Assert.Equal(ignoredBefore + 1, link.Server.IgnoredDatagrams);

        // A replay of the genuine record is discarded too (RFC 6347 §4.1.2.6).
        link.Server.HandleDatagram(record);
        Assert.Equal(ignoredBefore + 2, link.Server.IgnoredDatagrams);

        // A valid-looking header with random body.
        byte[] forged = new byte[100];
        Random.Shared.NextBytes(forged);
        forged[0] = 23;
        forged[1] = 0xFE;
        forged[2] = 0xFD;
        link.Server.HandleDatagram(forged);

        Assert.False(link.Server.TryReceive(new byte[2048], out _));
        Assert.Equal(DtlsState.Connected, link.Server.State);
        AssertDelivers(link, link.Client, link.Server, "still alive");
        AssertDelivers(link, link.Server, link.Client, "both ways");
    }

    [Fact]
    public void Several_records_in_one_datagram_are_all_delivered()
    {
        using var link = new DtlsLink();
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();

        // RFC 6347 §4.1.1: a datagram may carry several records. Coalesce three of the client's.
        var coalesced = new List<byte>();
        byte[] buffer = new byte[2048];
        foreach (string text in new[] { "one", "two", "three" })
        {
            Assert.True(link.Client.Send(Encoding.UTF8.GetBytes(text)));
            Assert.True(link.Client.TryPollDatagram(buffer, out int length));
            coalesced.AddRange(buffer.AsSpan(0, length).ToArray());
        }

        link.Server.HandleDatagram(coalesced.ToArray());
        foreach (string text in new[] { "one", "two", "three" })
        {
            Assert.True(link.Server.TryReceive(buffer, out int length));
            Assert.Equal(text, Encoding.UTF8.GetString(buffer, 0, length));
        }

        Assert.False(link.Server.TryReceive(buffer, out _));
    }

    [Fact]
    public void Full_queues_drop_and_count_instead_of_growing()
    {
        using var link = new DtlsLink(new DtlsOptions { OutgoingQueueCapacity = 8, ReceivedQueueCapacity = 2 });
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();

        // Outgoing: nobody polls, so the 9th and 10th sends are refused and counted.
        int accepted = 0;
        for (int i = 0; i < 10; i++)
        {
            accepted += link.Client.Send([(byte)i]) ? 1 : 0;
        }

        Assert.Equal(8, accepted);
        Assert.Equal(2, link.Client.DroppedOutgoing);

        // Received: nobody reads, so only two of the eight delivered messages are kept.
        link.Shuttle();
        Assert.Equal(6, link.Server.DroppedReceived);
        byte[] buffer = new byte[2048];
        Assert.True(link.Server.TryReceive(buffer, out int length));
        Assert.Equal(0, buffer[0]);
        Assert.True(link.Server.TryReceive(buffer, out length));
        Assert.Equal(1, buffer[0]);
        Assert.False(link.Server.TryReceive(buffer, out _));
        Assert.Equal(DtlsState.Connected, link.Server.State);
    }

    [Fact]
    public void Close_after_connected_sends_close_notify_and_the_peer_reports_closed_by_peer()
    {
        using var link = new DtlsLink();
        link.Start();
        Assert.True(link.PumpUntilBoth(DtlsState.Connected, s_limit));
        link.Shuttle();

        link.Client.Close();
        Assert.Equal(DtlsState.Closed, link.Client.State);
        Assert.True(link.PumpUntil(() => link.Server.State == DtlsState.Closed, s_limit));
        link.Shuttle();

        DtlsEvent serverClosed = link.ServerEvents[^1];
        Assert.Equal(DtlsEventKind.Closed, serverClosed.Kind);
        Assert.True(serverClosed.ByPeer);
        DtlsEvent clientClosed = link.ClientEvents[^1];
        Assert.Equal(DtlsEventKind.Closed, clientClosed.Kind);
        Assert.False(clientClosed.ByPeer);
        Assert.Equal(DtlsFailureReason.None, link.Client.FailureReason);
        Assert.Equal(DtlsFailureReason.None, link.Server.FailureReason);
        Assert.False(link.Client.Send([1]));
        Assert.False(link.Server.Send([1]));

        link.Client.Close(); // idempotent
        link.Server.HandleDatagram([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 0]); // after the end: dropped
        Assert.Single(link.ClientEvents, e => e.Kind == DtlsEventKind.Closed);
    }

    [Fact]
    public void Close_during_handshake_stops_the_thread_and_the_peer_sees_user_canceled()
    {
        // BouncyCastle alerts only a peer it has heard from, so close once the client has read the
        // server's first datagram. The alert then arrives during or just after the server's handshake
        // (depending on whether the client had already sent its second flight); either way it is fatal.
        using var link = new DtlsLink();
        link.Start();
        Assert.True(link.PumpUntil(() => link.Client.HandshakeDatagramsRead > 0, s_limit));

        link.Client.Close();
        Assert.Equal(DtlsState.Closed, link.Client.State);
        Assert.True(link.Client.WaitForHandshakeThread(TimeSpan.FromSeconds(5)));
        Assert.True(link.PumpUntil(() => link.Server.State == DtlsState.Failed, s_limit));
        Assert.Equal(DtlsFailureReason.AlertReceived, link.Server.FailureReason);
        Assert.Equal(UserCanceled, link.Server.FailureAlert);
        DtlsEvent closed = Assert.Single(link.ClientEvents);
        Assert.Equal(DtlsEventKind.Closed, closed.Kind);
        Assert.False(closed.ByPeer);
    }

    [Fact]
    public void Close_before_hearing_the_peer_is_silent()
    {
        // The other half of BouncyCastle's rule: nothing heard, nothing sent (no alert to a stranger).
        // A long retransmit timer keeps a second ClientHello out of the outgoing queue on a slow machine.
        using var link = new DtlsLink(new DtlsOptions { InitialRetransmitTimeout = TimeSpan.FromSeconds(20) });
        link.Client.Start();
        Assert.True(link.PumpUntil(() => link.DeliveredToServer > 0, s_limit));
        link.Client.Close();
        Assert.True(link.Client.WaitForHandshakeThread(TimeSpan.FromSeconds(5)));
        byte[] buffer = new byte[2048];
        Assert.False(link.Client.TryPollDatagram(buffer, out _));
        Assert.Equal(DtlsState.Closed, link.Client.State);
    }

    [Fact]
    public void A_silent_peer_fails_the_handshake_with_a_typed_timeout()
    {
        var options = new DtlsOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(800), InitialRetransmitTimeout = TimeSpan.FromMilliseconds(200) };
        NodeIdentity identity = NodeIdentity.Generate();
        using var client = new DtlsEndpoint(identity, DtlsRole.Client, NodeIdentity.Generate().Fingerprint, options);
        client.Start();
        Assert.True(client.WaitForHandshakeThread(TimeSpan.FromSeconds(5)));
        Assert.Equal(DtlsState.Failed, client.State);
        Assert.Equal(DtlsFailureReason.HandshakeTimeout, client.FailureReason);

        // It retransmitted the ClientHello (with backoff) before giving up.
        int sent = 0;
        byte[] buffer = new byte[2048];
        while (client.TryPollDatagram(buffer, out _))
        {
            sent++;
        }

        Assert.InRange(sent, 2, 10);
    }

    [Fact]
    public void A_flood_before_the_handshake_is_bounded_and_counted()
    {
        var options = new DtlsOptions { HandshakeQueueCapacity = 8 };
        using var server = new DtlsEndpoint(NodeIdentity.Generate(), DtlsRole.Server, NodeIdentity.Generate().Fingerprint, options);
        byte[] datagram = new byte[100];
        datagram[0] = 22;
        datagram[1] = 0xFE;
        for (int i = 0; i < 1000; i++)
        {
            server.HandleDatagram(datagram);
        }

        Assert.Equal(1000 - 8, server.DroppedDatagrams);
    }

    [Fact]
    public void Misuse_throws()
    {
        NodeIdentity identity = NodeIdentity.Generate();
        Assert.Throws<ArgumentException>(() => new DtlsEndpoint(identity, DtlsRole.Client, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DtlsEndpoint(identity, DtlsRole.Client, identity.Fingerprint, new DtlsOptions { MaxSendDatagramSize = 10 }));
        using var endpoint = new DtlsEndpoint(identity, DtlsRole.Server, identity.Fingerprint);
        Assert.False(endpoint.Send([1]));
        endpoint.Start();
        Assert.Throws<InvalidOperationException>(endpoint.Start);
    }

    private static void AssertDelivers(DtlsLink link, DtlsEndpoint from, DtlsEndpoint to, string text)
    {
        Assert.True(from.Send(Encoding.UTF8.GetBytes(text)));
        link.Shuttle();
        byte[] got = new byte[2048];
        Assert.True(to.TryReceive(got, out int length));
        Assert.Equal(text, Encoding.UTF8.GetString(got, 0, length));
    }
}
