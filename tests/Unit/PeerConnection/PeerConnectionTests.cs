using System.Net;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire.Signaling;
using Xunit;

namespace RtcScamp.Tests.PeerConnections;

/// <summary>
/// C#↔C# over 127.0.0.1: PeerConnections on WebRtcUdpDriver sockets connect through compact signaling
/// strings, pin each other's certificate fingerprint, derive each other's NodeId, carry application
/// data through DTLS, close, and fail with typed reasons on tampered fingerprints.
/// </summary>
public sealed class PeerConnectionTests
{
    private static readonly IPEndPoint s_loopback = new(IPAddress.Loopback, 0);
    private static readonly NodeIdentity s_alice = NodeIdentity.Generate();
    private static readonly NodeIdentity s_bob = NodeIdentity.Generate();

    [Fact]
    public async Task Two_drivers_connect_via_compact_strings_and_prove_both_identities()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        PeerConnection offerer = a.CreatePeerConnection(s_alice);
        PeerConnection answerer = b.CreatePeerConnection(s_bob);
        var offererUp = Outcome.Watch(offerer);
        var answererUp = Outcome.Watch(answerer);

        string offer = offerer.CreateOffer();
        Assert.Equal(PeerConnectionState.HaveLocalOffer, offerer.State);
        Assert.True(offer.Length <= 100, $"offer is {offer.Length} characters");
        Assert.True(answerer.TryAcceptOffer(offer, out string? answer, out string error), error);
        Assert.True(offerer.TryAcceptAnswer(answer, out error), error);

        Assert.Equal(Outcome.Kind.Connected, (await offererUp.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)).Result);
        Assert.Equal(Outcome.Kind.Connected, (await answererUp.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)).Result);

        Assert.Equal(s_bob.Fingerprint, offerer.RemoteFingerprint);
        Assert.Equal(s_bob.NodeId, offerer.RemoteNodeId);
        Assert.Equal(s_alice.Fingerprint, answerer.RemoteFingerprint);
        Assert.Equal(s_alice.NodeId, answerer.RemoteNodeId);

        // JSEP and RFC 8842: the offerer controls ICE and, offering actpass to an active answerer, is the DTLS server.
        Assert.True(offerer.IsIceControlling);
        Assert.False(answerer.IsIceControlling);
        Assert.Equal(DtlsRole.Server, offerer.DtlsRole);
        Assert.Equal(DtlsRole.Client, answerer.DtlsRole);
        Assert.Equal(b.LocalEndPoint, offerer.SelectedPair!.Remote.EndPoint);
        Assert.Equal(a.LocalEndPoint, answerer.SelectedPair!.Remote.EndPoint);
    }

    [Fact]
    public async Task Two_connections_on_one_driver_connect_to_each_other_and_exchange_data()
    {
        await using var shared = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, PeerConnection answerer) = await ConnectAsync(shared, shared);
        Assert.Equal(s_bob.NodeId, offerer.RemoteNodeId);
        Assert.Equal(s_alice.NodeId, answerer.RemoteNodeId);
        Assert.Equal(shared.LocalEndPoint, offerer.SelectedPair!.Remote.EndPoint);

        var atAnswerer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        answerer.ApplicationDataReceived = (_, data) => atAnswerer.TrySetResult(data.ToArray());
        Assert.True(offerer.SendApplicationData("same socket"u8));
        Assert.Equal("same socket"u8.ToArray(), await atAnswerer.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Three_nodes_on_one_socket_connect_pairwise()
    {
        await using var shared = new WebRtcUdpDriver(s_loopback);
        NodeIdentity carol = NodeIdentity.Generate();
        NodeIdentity[] nodes = [s_alice, s_bob, carol];
        var up = new List<Task<Outcome>>();
        var connections = new List<(PeerConnection Connection, NodeIdentity Expected)>();
        for (int i = 0; i < nodes.Length; i++)
        {
            for (int j = i + 1; j < nodes.Length; j++)
            {
                PeerConnection offerer = shared.CreatePeerConnection(nodes[i]);
                PeerConnection answerer = shared.CreatePeerConnection(nodes[j]);
                up.Add(Outcome.Watch(offerer).Task);
                up.Add(Outcome.Watch(answerer).Task);
                connections.Add((offerer, nodes[j]));
                connections.Add((answerer, nodes[i]));
                Assert.True(answerer.TryAcceptOffer(offerer.CreateOffer(), out string? answer, out string error), error);
                Assert.True(offerer.TryAcceptAnswer(answer, out error), error);
            }
        }

        Outcome[] outcomes = await Task.WhenAll(up).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.All(outcomes, o => Assert.Equal(Outcome.Kind.Connected, o.Result));
        Assert.All(connections, c => Assert.Equal(c.Expected.NodeId, c.Connection.RemoteNodeId));
    }

    [Fact]
    public async Task Application_data_flows_both_ways_through_dtls()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, PeerConnection answerer) = await ConnectAsync(a, b);

        var atAnswerer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var atOfferer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        answerer.ApplicationDataReceived = (_, data) => atAnswerer.TrySetResult(data.ToArray());
        offerer.ApplicationDataReceived = (_, data) => atOfferer.TrySetResult(data.ToArray());

        byte[] ping = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];
        Assert.True(offerer.SendApplicationData(ping));
        Assert.Equal(ping, await atAnswerer.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(answerer.SendApplicationData("pong"u8));
        Assert.Equal("pong"u8.ToArray(), await atOfferer.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(offerer.MaxApplicationDataSize >= 1000);
    }

    [Fact]
    public async Task Handlers_may_call_back_into_the_connection_from_the_driver_loop()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        PeerConnection offerer = a.CreatePeerConnection(s_alice, s_raw);
        PeerConnection answerer = b.CreatePeerConnection(s_bob, s_raw);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sentFromHandler = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        offerer.ApplicationDataReceived = (_, data) => received.TrySetResult(System.Text.Encoding.ASCII.GetString(data));

        // Sent from inside the Connected event, i.e. on the driver's loop while it holds the driver's lock.
        answerer.Connected += c => sentFromHandler.TrySetResult(c.SendApplicationData("from the handler"u8));
        Assert.True(answerer.TryAcceptOffer(offerer.CreateOffer(), out string? answer, out string error), error);
        Assert.True(offerer.TryAcceptAnswer(answer, out error), error);

        Assert.True(await sentFromHandler.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.Equal("from the handler", await received.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Close_sends_close_notify_and_the_peer_reports_closed()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, PeerConnection answerer) = await ConnectAsync(a, b);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        answerer.Closed += _ => closed.TrySetResult();

        offerer.Close();
        Assert.Equal(PeerConnectionState.Closed, offerer.State);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(PeerConnectionState.Closed, answerer.State);
        Assert.False(offerer.SendApplicationData("late"u8));
        Assert.Equal(0, a.ConnectionCount);
        Assert.Equal(0, b.ConnectionCount);
    }

    [Fact]
    public async Task Tampered_answer_fingerprint_fails_the_offerer_with_FingerprintMismatch()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        PeerConnection offerer = a.CreatePeerConnection(s_alice);
        PeerConnection answerer = b.CreatePeerConnection(s_bob);
        var offererEnd = Outcome.Watch(offerer);
        var answererEnd = Outcome.Watch(answerer);

        Assert.True(answerer.TryAcceptOffer(offerer.CreateOffer(), out string? answer, out string error), error);
        Assert.True(offerer.TryAcceptAnswer(TamperFingerprint(answer), out error), error);

        Outcome ours = await offererEnd.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(Outcome.Kind.Failed, ours.Result);
        Assert.Equal(PeerConnectionFailureReason.FingerprintMismatch, ours.Failure.Reason);
        Assert.Equal(42, ours.Failure.Alert); // bad_certificate, RFC 5246 §7.2.2
        Outcome theirs = await answererEnd.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(Outcome.Kind.Failed, theirs.Result);
        Assert.Equal(PeerConnectionFailureReason.DtlsAlertReceived, theirs.Failure.Reason);
        Assert.Equal(42, theirs.Failure.Alert);
    }

    [Fact]
    public async Task Tampered_offer_fingerprint_fails_the_answerer_with_FingerprintMismatch()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        PeerConnection offerer = a.CreatePeerConnection(s_alice);
        PeerConnection answerer = b.CreatePeerConnection(s_bob);
        var offererEnd = Outcome.Watch(offerer);
        var answererEnd = Outcome.Watch(answerer);

        Assert.True(answerer.TryAcceptOffer(TamperFingerprint(offerer.CreateOffer()), out string? answer, out string error), error);
        Assert.True(offerer.TryAcceptAnswer(answer, out error), error);

        Outcome theirs = await answererEnd.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(PeerConnectionFailureReason.FingerprintMismatch, theirs.Failure.Reason);
        Outcome ours = await offererEnd.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(Outcome.Kind.Failed, ours.Result);
        Assert.NotEqual(PeerConnectionFailureReason.FingerprintMismatch, ours.Failure.Reason);
    }

    [Fact]
    public async Task Twenty_connections_share_one_socket_and_all_connect()
    {
        const int N = 20;
        await using var hub = new WebRtcUdpDriver(s_loopback);
        var spokes = new WebRtcUdpDriver[N];
        var pending = new List<Task<Outcome>>();
        var hubSide = new PeerConnection[N];
        var spokeIdentities = new NodeIdentity[N];
        try
        {
            for (int i = 0; i < N; i++)
            {
                spokes[i] = new WebRtcUdpDriver(s_loopback);
                spokeIdentities[i] = i % 2 == 0 ? s_bob : NodeIdentity.Generate();
                hubSide[i] = hub.CreatePeerConnection(s_alice);
                PeerConnection spoke = spokes[i].CreatePeerConnection(spokeIdentities[i]);
                pending.Add(Outcome.Watch(hubSide[i]).Task);
                pending.Add(Outcome.Watch(spoke).Task);

                // Alternate who offers, so the hub socket carries both ICE and both DTLS roles at once.
                if (i % 2 == 0)
                {
                    Assert.True(spoke.TryAcceptOffer(hubSide[i].CreateOffer(), out string? answer, out string error), error);
                    Assert.True(hubSide[i].TryAcceptAnswer(answer, out error), error);
                }
                else
                {
                    Assert.True(hubSide[i].TryAcceptOffer(spoke.CreateOffer(), out string? answer, out string error), error);
                    Assert.True(spoke.TryAcceptAnswer(answer, out error), error);
                }
            }

            Outcome[] outcomes = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.All(outcomes, o => Assert.Equal(Outcome.Kind.Connected, o.Result));
            for (int i = 0; i < N; i++)
            {
                Assert.Equal(spokeIdentities[i].NodeId, hubSide[i].RemoteNodeId);
                Assert.Equal(spokes[i].LocalEndPoint, hubSide[i].SelectedPair!.Remote.EndPoint);
            }

            Assert.Equal(N, hub.ConnectionCount);
        }
        finally
        {
            foreach (WebRtcUdpDriver? spoke in spokes)
            {
                if (spoke is not null)
                {
                    await spoke.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task An_answer_from_a_peer_that_is_gone_fails_with_IceFailed()
    {
        // Short check timers (2 transmissions, 50 ms RTO) so the check list is exhausted in well under a second.
        var quick = new PeerConnectionOptions { Ice = new Transport.WebRtc.Ice.IceAgentConfig { InitialRto = 50, MaxTransmits = 2, LastWaitMultiplier = 2 } };
        await using var a = new WebRtcUdpDriver(s_loopback);
        PeerConnection offerer = a.CreatePeerConnection(s_alice, quick);
        var outcome = Outcome.Watch(offerer);
        string offer = offerer.CreateOffer();
        string answer;
        await using (var gone = new WebRtcUdpDriver(s_loopback))
        {
            Assert.True(gone.CreatePeerConnection(s_bob).TryAcceptOffer(offer, out string? a2, out string e2), e2);
            answer = a2;
        }

        Assert.True(offerer.TryAcceptAnswer(answer, out string error), error);
        Outcome result = await outcome.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(Outcome.Kind.Failed, result.Result);
        Assert.Equal(PeerConnectionFailureReason.IceFailed, result.Failure.Reason);
        Assert.Equal(PeerConnectionState.Failed, offerer.State);
        Assert.Equal(0, a.ConnectionCount);
    }

    [Fact]
    public async Task Bad_remote_strings_are_reported_not_thrown()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        PeerConnection answerer = a.CreatePeerConnection(s_bob);
        Assert.False(answerer.TryAcceptOffer("hello", out _, out string error));
        Assert.Contains("rs1", error, StringComparison.Ordinal);

        PeerConnection offerer = a.CreatePeerConnection(s_alice);
        string offer = offerer.CreateOffer();
        string flipped = offer[..10] + (offer[10] == 'A' ? 'B' : 'A') + offer[11..];
        Assert.False(answerer.TryAcceptOffer(flipped, out _, out error));
        Assert.Contains("checksum", error, StringComparison.Ordinal);

        // An offer where an answer is due, and an answer where an offer is due.
        Assert.False(offerer.TryAcceptAnswer(offer, out error));
        Assert.Contains("expected an answer", error, StringComparison.Ordinal);
        Assert.Equal(PeerConnectionState.HaveLocalOffer, offerer.State);
        Assert.Equal(PeerConnectionState.New, answerer.State);
        Assert.Throws<InvalidOperationException>(() => offerer.CreateOffer());
    }

    [Fact]
    public void A_wildcard_bind_is_refused_because_it_would_be_signaled()
    {
        Assert.Throws<ArgumentException>(() => new WebRtcUdpDriver(new IPEndPoint(IPAddress.Any, 0)));
    }

    [Fact]
    public async Task Dispose_wakes_the_blocked_receive_thread_at_once()
    {
        // The receive thread blocks in recvfrom; closing the socket must end it now, not after the
        // receive timeout (2 s) that only backs it up.
        // A connection with no peer: nothing will ever arrive, so only closing the socket can wake it.
        await using var a = new WebRtcUdpDriver(s_loopback);
        a.CreatePeerConnection(s_alice).CreateOffer();
        await Task.Delay(100, TestContext.Current.CancellationToken); // the receive thread is blocked now
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await a.DisposeAsync();
        Assert.InRange(watch.ElapsedMilliseconds, 0, 1500); // well under the 2 s backstop, with room for a loaded machine
    }

    // Raw DTLS records (no SCTP above): these tests look at the application-data hook itself.
    private static readonly PeerConnectionOptions s_raw = new() { DataChannels = false };

    internal static async Task<(PeerConnection Offerer, PeerConnection Answerer)> ConnectAsync(WebRtcUdpDriver a, WebRtcUdpDriver b)
    {
        PeerConnection offerer = a.CreatePeerConnection(s_alice, s_raw);
        PeerConnection answerer = b.CreatePeerConnection(s_bob, s_raw);
        var up = new[] { Outcome.Watch(offerer).Task, Outcome.Watch(answerer).Task };
        Assert.True(answerer.TryAcceptOffer(offerer.CreateOffer(), out string? answer, out string error), error);
        Assert.True(offerer.TryAcceptAnswer(answer, out error), error);
        Outcome[] outcomes = await Task.WhenAll(up).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.All(outcomes, o => Assert.Equal(Outcome.Kind.Connected, o.Result));
        return (offerer, answerer);
    }

    /// <summary>The same signaling string with one bit of the DTLS fingerprint flipped (and a valid checksum).</summary>
    internal static string TamperFingerprint(string text)
    {
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(text, out SignalingBlob blob, out string error));
        Assert.Empty(error);
        byte[] fingerprint = blob.Fingerprint.ToArray();
        fingerprint[7] ^= 0x01;
        return SignalingBlob.WithSecret(blob.Role, blob.Setup, fingerprint, blob.Secret, blob.Candidates, blob.MaxMessageSize).Encode();
    }

    /// <summary>The first terminal-or-connected event of a connection.</summary>
    internal readonly record struct Outcome(Outcome.Kind Result, PeerConnectionFailure Failure)
    {
        public enum Kind
        {
            Connected,
            Failed,
            Closed,
        }

        public static TaskCompletionSource<Outcome> Watch(PeerConnection connection)
        {
            var tcs = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Connected += _ => tcs.TrySetResult(new Outcome(Kind.Connected, default));
            connection.Failed += (_, f) => tcs.TrySetResult(new Outcome(Kind.Failed, f));
            connection.Closed += _ => tcs.TrySetResult(new Outcome(Kind.Closed, default));
            return tcs;
        }
    }
}
