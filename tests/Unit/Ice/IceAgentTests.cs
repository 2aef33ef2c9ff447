using System.Net;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Stun;
using Xunit;

namespace RtcScamp.Tests.Ice;

public class IceAgentTests
{
    private static bool BothConnected(IceHarness h) => h.A.State == IceState.Connected && h.B.State == IceState.Connected;

    private static int NominatedCount(IceAgent agent) => agent.Pairs.Count(p => p.Nominated);

    [Fact]
    public void Candidate_priority_follows_rfc8445_formula()
    {
        // 2^24·126 + 2^8·65535 + (256 − 1)
        Assert.Equal(0x7EFFFFFFu, IceCandidate.ComputePriority(IceCandidateType.Host, 65535));
        Assert.Equal((110u << 24) + (10u << 8) + 255u, IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, 10));
        Assert.Equal((100u << 24) + 255u, IceCandidate.ComputePriority(IceCandidateType.ServerReflexive, 0));
        Assert.Equal(255u, IceCandidate.ComputePriority(IceCandidateType.Relayed, 0));
    }

    [Fact]
    public void Pair_priority_follows_rfc8445_formula()
    {
        // G > D: 2^32·D + 2·G + 1
        Assert.Equal((5UL << 32) + 14UL + 1UL, IceCandidatePair.ComputePriority(7, 5));
        // G < D: 2^32·G + 2·D
        Assert.Equal((5UL << 32) + 14UL, IceCandidatePair.ComputePriority(5, 7));
        Assert.Equal((0x7EFFFFFFUL << 32) + (2UL * 0x7EFFFFFF), IceCandidatePair.ComputePriority(0x7EFFFFFF, 0x7EFFFFFF));
    }

    [Fact]
    public void Pairs_form_per_address_family_sorted_by_priority()
    {
        var random = new SeededIceRandom(1);
        var agent = new IceAgent(IceCredentials.Generate(random), controlling: true, random);
        IceCandidate v4 = agent.AddLocalHostCandidate(new IPEndPoint(IPAddress.Loopback, 5000));
        IceCandidate v6 = agent.AddLocalHostCandidate(new IPEndPoint(IPAddress.IPv6Loopback, 5000));
        Assert.True(v4.Priority > v6.Priority); // earlier host address preferred
        agent.AddRemoteCandidate(new IceCandidate(IceCandidateType.ServerReflexive, new IPEndPoint(IPAddress.Parse("127.0.0.9"), 1), 100u << 24, "s"));
        agent.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, new IPEndPoint(IPAddress.Parse("127.0.0.8"), 1), 126u << 24, "h"));
        agent.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, new IPEndPoint(IPAddress.IPv6Loopback, 7), 120u << 24, "h6"));
        Assert.Equal(3, agent.Pairs.Count);
        Assert.All(agent.Pairs, p => Assert.Equal(p.Local.EndPoint.AddressFamily, p.Remote.EndPoint.AddressFamily));
        for (int i = 1; i < agent.Pairs.Count; i++)
        {
            Assert.True(agent.Pairs[i - 1].Priority >= agent.Pairs[i].Priority);
        }

        Assert.Equal("h", agent.Pairs[0].Remote.Foundation);
        Assert.Equal(IceCandidatePair.ComputePriority(v4.Priority, 126u << 24), agent.Pairs[0].Priority);
        Assert.Equal(IceState.New, agent.State); // no remote credentials yet
    }

    [Fact]
    public void Two_agents_connect_with_exactly_one_nominated_pair()
    {
        var h = new IceHarness(seed: 42);
        h.SignalAToB();
        h.SignalBToA();
        Assert.True(h.RunUntil(() => BothConnected(h), 10_000));
        Assert.True(h.Now < 2_000, $"took {h.Now} ms");
        Assert.Equal(1, NominatedCount(h.A));
        Assert.Equal(1, NominatedCount(h.B));
        Assert.Equal(IceHarness.BAddress, h.A.SelectedPair!.Remote.EndPoint);
        Assert.Equal(IceHarness.AAddress, h.B.SelectedPair!.Remote.EndPoint);
        Assert.Contains(h.EventsA, e => e.Kind == IceEventKind.StateChanged && e.OldState == IceState.Checking && e.NewState == IceState.Connected);
        Assert.Single(h.EventsB, e => e.Kind == IceEventKind.SelectedPairChanged);

        // Exactly one check carried USE-CANDIDATE, and it came from the controlling agent.
        int useCandidate = 0;
        foreach (var (_, data) in h.ReceivedByB)
        {
            Assert.Equal(StunParseError.None, StunMessage.TryParse(data, out StunMessage m));
            if (m.Class == StunClass.Request && m.HasUseCandidate)
            {
                useCandidate++;
                Assert.True(m.HasIceControlling);
            }
        }

        Assert.Equal(1, useCandidate);

        // Consent keeps it up for minutes.
        h.Run(180_000);
        Assert.True(BothConnected(h));
    }

    [Fact]
    public void Same_seed_gives_identical_exchange()
    {
        static List<string> Trace(ulong seed)
        {
            var h = new IceHarness(seed);
            h.SignalAToB();
            h.SignalBToA();
            h.RunUntil(() => BothConnected(h), 10_000);
            return h.ReceivedByB.Select(r => Convert.ToHexString(r.Data)).ToList();
        }

        Assert.Equal(Trace(7), Trace(7));
        Assert.NotEqual(Trace(7), Trace(8));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Role_conflict_resolves_to_one_controlling_agent(bool bothControlling)
    {
        var h = new IceHarness(seed: 3, aControlling: bothControlling, bControlling: bothControlling);
        h.SignalAToB();
        h.SignalBToA();
        Assert.True(h.RunUntil(() => BothConnected(h), 20_000));
        Assert.NotEqual(h.A.IsControlling, h.B.IsControlling);
        IceAgent winner = h.A.IsControlling ? h.A : h.B;
        IceAgent loser = h.A.IsControlling ? h.B : h.A;
        // The larger tie-breaker wins control (RFC 8445 §7.3.1.1).
        Assert.True(winner.TieBreaker > loser.TieBreaker);
        Assert.Equal(1, NominatedCount(h.A));
        Assert.Equal(1, NominatedCount(h.B));
        Assert.Contains(h.EventsA.Concat(h.EventsB), e => e.Kind == IceEventKind.RoleChanged);
    }

    [Fact]
    public void Role_conflict_487_is_sent_by_the_agent_with_the_larger_tie_breaker()
    {
        // Both start controlling and their first checks cross. The agent with the larger tie-breaker
        // answers the other's check with 487 and keeps control; the smaller one yields on receiving
        // the winner's ICE-CONTROLLING check and answers it normally. So B sees a 487 exactly when A
        // wins, and only the loser changes role, exactly once. Seeds cover both outcomes.
        bool sawAWin = false;
        bool sawBWin = false;
        for (ulong seed = 11; seed < 31; seed++)
        {
            var h = new IceHarness(seed, aControlling: true, bControlling: true);
            h.SignalAToB();
            h.SignalBToA();
            Assert.True(h.RunUntil(() => BothConnected(h), 20_000));
            bool aWins = h.A.TieBreaker > h.B.TieBreaker;
            sawAWin |= aWins;
            sawBWin |= !aWins;
            bool bSaw487 = h.ReceivedByB.Any(r => StunMessage.TryParse(r.Data, out StunMessage m) == StunParseError.None && m.ErrorCode == 487);
            Assert.Equal(aWins, bSaw487);
            Assert.Equal(aWins, h.A.IsControlling);
            Assert.Equal(aWins ? 0 : 1, h.EventsA.Count(e => e.Kind == IceEventKind.RoleChanged));
            Assert.Equal(aWins ? 1 : 0, h.EventsB.Count(e => e.Kind == IceEventKind.RoleChanged));
        }

        Assert.True(sawAWin && sawBWin);
    }

    [Fact]
    public void Peer_reflexive_candidate_is_learned_from_checks()
    {
        // B is never told A's candidates (like a browser's mDNS-hidden host) and A sits behind a
        // "NAT": its checks arrive from another address. B must learn it from the first check.
        var h = new IceHarness(seed: 5) { SourceOfA = new IPEndPoint(IPAddress.Parse("127.0.0.3"), 50000) };
        h.SignalAToB(candidates: false);
        h.SignalBToA();
        Assert.True(h.RunUntil(() => BothConnected(h), 10_000));
        IceCandidate learned = Assert.Single(h.B.RemoteCandidates);
        Assert.Equal(IceCandidateType.PeerReflexive, learned.Type);
        Assert.Equal(h.SourceOfA, learned.EndPoint);
        // PRIORITY from the check: a peer-reflexive priority with A's local preference.
        Assert.Equal(IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, 65535), learned.Priority);
        Assert.Equal(h.SourceOfA, h.B.SelectedPair!.Remote.EndPoint);
        Assert.Contains(h.EventsB, e => e.Kind == IceEventKind.PeerReflexiveCandidate);
    }

    [Fact]
    public void Late_remote_description_still_connects()
    {
        // A is the offerer. B gets the offer at once; a human pastes B's answer into A 5 minutes later.
        var h = new IceHarness(seed: 9);
        h.SignalAToB();
        h.Run(4 * 60_000);
        Assert.Equal(IceState.New, h.A.State);           // A never timed out while waiting
        Assert.NotEqual(IceState.Failed, h.B.State);
        // B's checks were answered by A before A had B's credentials.
        Assert.Contains(h.B.Pairs, p => p.State == IcePairState.Succeeded);
        Assert.Contains(h.A.RemoteCandidates, c => c.Type == IceCandidateType.PeerReflexive);

        h.Run(60_000);
        h.SignalBToA();
        Assert.True(h.RunUntil(() => BothConnected(h), 10_000));
        Assert.Equal(1, NominatedCount(h.A));
        Assert.Equal(1, NominatedCount(h.B));
    }

    [Fact]
    public void Late_remote_description_connects_even_when_nobody_checked_meanwhile()
    {
        // Neither side learns anything for 10 minutes; then both descriptions arrive.
        var h = new IceHarness(seed: 10);
        h.Run(10 * 60_000);
        Assert.Equal(IceState.New, h.A.State);
        Assert.Equal(IceState.New, h.B.State);
        h.SignalAToB();
        h.SignalBToA();
        Assert.True(h.RunUntil(() => BothConnected(h), 10_000));
    }

    [Fact]
    public void Consent_loss_disconnects_then_fails_and_stops_sending()
    {
        var h = new IceHarness(seed: 12);
        h.SignalAToB();
        h.SignalBToA();
        Assert.True(h.RunUntil(() => BothConnected(h), 10_000));
        long cut = h.Now;
        h.Drop = static (_, _) => true;

        Assert.True(h.RunUntil(() => h.A.State == IceState.Disconnected, 60_000));
        Assert.InRange(h.Now - cut, 9_000, 12_000); // DisconnectedAfter 10 s after the last answered check

        Assert.True(h.RunUntil(() => h.A.State == IceState.Failed, 60_000));
        Assert.InRange(h.Now - cut, 25_000, 31_000); // RFC 7675: 30 s after the last answer

        // Final: nothing more goes out even though a minute passes.
        h.Run(60_000);
        Assert.Equal(0, h.A.PollTransmit(new byte[1500], out _));
        Assert.Equal(long.MaxValue, h.A.PollTimeout());
        Assert.Equal(IceState.Failed, h.A.State);
    }

    [Fact]
    public void Consent_recovers_from_disconnected()
    {
        var h = new IceHarness(seed: 13);
        h.SignalAToB();
        h.SignalBToA();
        Assert.True(h.RunUntil(() => BothConnected(h), 10_000));
        h.Drop = static (_, _) => true;
        Assert.True(h.RunUntil(() => h.A.State == IceState.Disconnected, 60_000));
        h.Drop = static (_, _) => false;
        Assert.True(h.RunUntil(() => h.A.State == IceState.Connected, 10_000));
        Assert.Contains(h.EventsA, e => e.OldState == IceState.Disconnected && e.NewState == IceState.Connected);
    }

    [Fact]
    public void Unreachable_peer_fails_after_rfc_retransmissions()
    {
        var h = new IceHarness(seed: 14) { Drop = static (_, _) => true };
        h.SignalAToB();
        h.SignalBToA();
        Assert.True(h.RunUntil(() => h.A.State == IceState.Failed, 120_000));
        // RFC 8489 §6.2.1 with RTO 500 ms, Rc 7, Rm 16: 39.5 s.
        Assert.InRange(h.Now, 39_500, 40_000);
    }

    [Fact]
    public void Bad_requests_get_error_responses_and_never_throw()
    {
        var random = new SeededIceRandom(99);
        var agent = new IceAgent(IceCredentials.Generate(random), controlling: false, random);
        agent.AddLocalHostCandidate(IceHarness.AAddress);
        byte[] txid = new byte[12];
        var buffer = new byte[1500];

        // Wrong password: 401, unauthenticated.
        var w = new StunWriter(buffer, StunProtocol.BindingRequest, txid);
        w.WriteUsername(System.Text.Encoding.ASCII.GetBytes(agent.LocalCredentials.Ufrag), "peer"u8);
        w.WriteMessageIntegrity("not-the-password-at-all"u8);
        w.WriteFingerprint();
        Assert.Equal(IceReceiveResult.Unauthenticated, agent.HandleReceive(IceHarness.BAddress, null, buffer.AsSpan(0, w.Length), 0));
        int n = agent.PollTransmit(buffer, out IPEndPoint? to);
        Assert.Equal(IceHarness.BAddress, to);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(buffer.AsSpan(0, n), out StunMessage response));
        Assert.Equal(401, response.ErrorCode);
        Assert.Empty(agent.RemoteCandidates); // unauthenticated checks teach nothing

        // Missing USERNAME: 400.
        var w2 = new StunWriter(buffer, StunProtocol.BindingRequest, txid);
        w2.WriteFingerprint();
        Assert.Equal(IceReceiveResult.Unauthenticated, agent.HandleReceive(IceHarness.BAddress, null, buffer.AsSpan(0, w2.Length), 0));
        n = agent.PollTransmit(buffer, out _);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(buffer.AsSpan(0, n), out StunMessage r2));
        Assert.Equal(400, r2.ErrorCode);

        Assert.Equal(IceReceiveResult.Malformed, agent.HandleReceive(IceHarness.BAddress, null, [0, 1, 0, 0], 0));
        Assert.Equal(IceReceiveResult.NotStun, agent.HandleReceive(IceHarness.BAddress, null, [22, 254, 253], 0));
        Assert.Equal(1, agent.MalformedCount);
        Assert.Equal(2, agent.UnauthenticatedCount);
    }

    [Fact]
    public void Unknown_comprehension_required_attribute_gets_420()
    {
        var random = new SeededIceRandom(98);
        var agent = new IceAgent(IceCredentials.Generate(random), controlling: false, random);
        var buffer = new byte[1500];
        var w = new StunWriter(buffer, StunProtocol.BindingRequest, new byte[12]);
        w.WriteUsername(System.Text.Encoding.ASCII.GetBytes(agent.LocalCredentials.Ufrag), "peer"u8);
        w.WriteAttribute(0x0077, [1, 2, 3, 4]);
        w.WriteMessageIntegrity(System.Text.Encoding.ASCII.GetBytes(agent.LocalCredentials.Password));
        Assert.Equal(IceReceiveResult.Consumed, agent.HandleReceive(IceHarness.BAddress, null, buffer.AsSpan(0, w.Length), 0));
        int n = agent.PollTransmit(buffer, out _);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(buffer.AsSpan(0, n), out StunMessage r));
        Assert.Equal(420, r.ErrorCode);
    }

    [Fact]
    public void Server_reflexive_candidate_is_gathered_from_a_stun_server()
    {
        var random = new SeededIceRandom(77);
        var agent = new IceAgent(IceCredentials.Generate(random), controlling: true, random);
        IceCandidate host = agent.AddLocalHostCandidate(IceHarness.AAddress);
        var server = new IPEndPoint(IPAddress.Parse("127.0.0.53"), 3478);
        var mapped = new IPEndPoint(IPAddress.Parse("127.0.0.100"), 61000);
        agent.SetStunServer(server);
        Assert.Equal(0, agent.PollTimeout());
        agent.HandleTimeout(0);
        var buffer = new byte[1500];
        int n = agent.PollTransmit(buffer, out IPEndPoint? to);
        Assert.Equal(server, to);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(buffer.AsSpan(0, n), out StunMessage request));
        Assert.Equal(StunClass.Request, request.Class);

        var reply = new byte[1500];
        var w = new StunWriter(reply, StunProtocol.BindingSuccessResponse, request.TransactionId);
        w.WriteXorMappedAddress(mapped);
        Assert.Equal(IceReceiveResult.Consumed, agent.HandleReceive(server, null, reply.AsSpan(0, w.Length), 30));
        Assert.True(agent.GatheringComplete);
        IceCandidate srflx = agent.LocalCandidates.Single(c => c.Type == IceCandidateType.ServerReflexive);
        Assert.Equal(mapped, srflx.EndPoint);
        Assert.Equal(host.EndPoint, srflx.Base);
        var events = new List<IceEvent>();
        while (agent.PollEvent(out IceEvent e))
        {
            events.Add(e);
        }

        Assert.Equal([IceEventKind.LocalCandidate, IceEventKind.LocalCandidate, IceEventKind.GatheringComplete], events.Select(e => e.Kind));

        // A replayed response matches no transaction.
        Assert.Equal(IceReceiveResult.UnknownTransaction, agent.HandleReceive(server, null, reply.AsSpan(0, w.Length), 31));
    }

    [Fact]
    public void Unanswered_stun_server_completes_gathering_in_seconds()
    {
        var random = new SeededIceRandom(78);
        var agent = new IceAgent(IceCredentials.Generate(random), controlling: true, random);
        agent.AddLocalHostCandidate(IceHarness.AAddress);
        agent.SetStunServer(new IPEndPoint(IPAddress.Parse("127.0.0.53"), 3478));
        long now = 0;
        int sent = 0;
        var buffer = new byte[1500];
        while (true)
        {
            agent.HandleTimeout(now);
            while (agent.PollTransmit(buffer, out _) > 0)
            {
                sent++;
            }

            if (agent.GatheringComplete || now > 60_000)
            {
                break;
            }

            now = Math.Max(now, agent.PollTimeout());
        }

        Assert.True(agent.GatheringComplete);
        Assert.Equal(long.MaxValue, agent.PollTimeout()); // nothing else to do without a peer
        Assert.Equal(3, sent);
        Assert.Equal(3_500, now);
    }

    [Fact]
    public void A_full_transaction_table_never_spins_and_the_list_still_fails()
    {
        var h = new IceHarness(seed: 15, config: new IceAgentConfig { MaxTransactions = 4 }) { Drop = static (_, _) => true };
        h.SignalAToB();
        h.SignalBToA();
        for (int i = 0; i < 20; i++)
        {
            Assert.True(h.A.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, new IPEndPoint(IPAddress.Parse("127.0.1." + (i + 1)), 1000), 100u << 24, "x" + i)));
        }

        Assert.True(h.RunUntil(() => h.A.State == IceState.Failed, 900_000));
        Assert.All(h.A.Pairs, p => Assert.Equal(IcePairState.Failed, p.State));
    }

    [Fact]
    public void Remote_candidate_table_is_bounded()
    {
        var random = new SeededIceRandom(16);
        var agent = new IceAgent(IceCredentials.Generate(random), controlling: true, random, new IceAgentConfig { MaxRemoteCandidates = 3 });
        for (int i = 0; i < 3; i++)
        {
            Assert.True(agent.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, new IPEndPoint(IPAddress.Loopback, 1000 + i), 1, "f")));
        }

        Assert.False(agent.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, new IPEndPoint(IPAddress.Loopback, 2000), 1, "f")));
        Assert.Equal(3, agent.RemoteCandidates.Count);
        Assert.Equal(1, agent.DroppedCount);
    }

    [Fact]
    public void Many_seeds_with_packet_loss_connect_with_one_nomination_each()
    {
        for (ulong seed = 100; seed < 150; seed++)
        {
            var loss = new SeededIceRandom(seed * 31);
            var h = new IceHarness(seed, aControlling: seed % 3 != 0, bControlling: seed % 2 == 0)
            {
                Drop = (_, _) => loss.NextUInt64() % 10 < 2, // 20 % loss each way
            };
            h.SignalAToB();
            h.SignalBToA();
            Assert.True(h.RunUntil(() => BothConnected(h), 60_000), $"seed {seed}: {h.A.State}/{h.B.State}");
            Assert.NotEqual(h.A.IsControlling, h.B.IsControlling);
            Assert.Equal(1, NominatedCount(h.A));
            Assert.Equal(1, NominatedCount(h.B));
        }
    }
}
