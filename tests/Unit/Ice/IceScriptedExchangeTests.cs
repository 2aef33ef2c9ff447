using System.Net;
using System.Text;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Stun;
using Xunit;

namespace RtcScamp.Tests.Ice;

/// <summary>Step-by-step exchange between two agents asserting each exact output (the outbox), not just the end state.</summary>
public class IceScriptedExchangeTests
{
    private static readonly IPEndPoint s_a = new(IPAddress.Parse("127.0.0.1"), 40001);
    private static readonly IPEndPoint s_b = new(IPAddress.Parse("127.0.0.2"), 40002);

    private static (byte[] Data, IPEndPoint? To) Poll(IceAgent agent)
    {
        var buffer = new byte[StunProtocol.MaxMessageSize];
        int n = agent.PollTransmit(buffer, out IPEndPoint? to);
        return (buffer.AsSpan(0, n).ToArray(), to);
    }

    [Fact]
    public void Check_response_triggered_check_and_nomination_step_by_step()
    {
        var a = new IceAgent(new IceCredentials("AAAA", "aaaaaaaaaaaaaaaaaaaaaa"), controlling: true, new SeededIceRandom(1));
        var b = new IceAgent(new IceCredentials("BBBB", "bbbbbbbbbbbbbbbbbbbbbb"), controlling: false, new SeededIceRandom(2));
        IceCandidate aHost = a.AddLocalHostCandidate(s_a);
        IceCandidate bHost = b.AddLocalHostCandidate(s_b);
        a.SetRemoteCredentials(new IceCredentials("BBBB", "bbbbbbbbbbbbbbbbbbbbbb"));
        a.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, s_b, bHost.Priority, "b"));
        b.SetRemoteCredentials(new IceCredentials("AAAA", "aaaaaaaaaaaaaaaaaaaaaa"));
        Assert.Equal(IceState.Checking, a.State);
        Assert.Equal(IceState.New, b.State); // no remote candidate yet: nothing to check

        // t=0: A sends its ordinary check to B, nothing else.
        Assert.Equal(0, a.PollTimeout());
        a.HandleTimeout(0);
        var (check, to) = Poll(a);
        Assert.Equal(s_b, to);
        Assert.Empty(Poll(a).Data);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(check, out StunMessage m));
        Assert.Equal(StunClass.Request, m.Class);
        Assert.Equal("BBBB:AAAA", Encoding.ASCII.GetString(m.Username));
        Assert.Equal(IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, 65535), m.Priority);
        Assert.Equal(a.TieBreaker, m.IceControlling);
        Assert.False(m.HasIceControlled);
        Assert.False(m.HasUseCandidate);
        Assert.True(m.HasFingerprint);
        Assert.True(m.VerifyIntegrity("bbbbbbbbbbbbbbbbbbbbbb"u8));
        Assert.Equal(500, a.PollTimeout()); // first retransmission

        // t=5: B answers at once, learns A as peer-reflexive, and owes a triggered check.
        Assert.Equal(IceReceiveResult.Consumed, b.HandleReceive(s_a, s_b, check, 5));
        var (response, respTo) = Poll(b);
        Assert.Equal(s_a, respTo);
        Assert.Empty(Poll(b).Data);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(response, out StunMessage r));
        Assert.Equal(StunClass.SuccessResponse, r.Class);
        Assert.Equal(m.TransactionId.ToArray(), r.TransactionId.ToArray());
        Assert.Equal(s_a, r.GetXorMappedEndPoint());
        Assert.True(r.VerifyIntegrity("bbbbbbbbbbbbbbbbbbbbbb"u8));
        Assert.Equal(IceCandidateType.PeerReflexive, Assert.Single(b.RemoteCandidates).Type);
        Assert.Equal(IceState.Checking, b.State);
        Assert.Equal(5, b.PollTimeout());

        // t=10: A gets the success: pair valid, no better pair pending → nominate at the next slot.
        Assert.Equal(IceReceiveResult.Consumed, a.HandleReceive(s_b, s_a, response, 10));
        Assert.Equal(IcePairState.Succeeded, Assert.Single(a.Pairs).State);
        Assert.Equal(IceState.Checking, a.State);
        Assert.Equal(50, a.PollTimeout()); // pacing: Ta after the first check
        a.HandleTimeout(50);
        var (nomination, _) = Poll(a);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(nomination, out StunMessage n));
        Assert.True(n.HasUseCandidate);
        Assert.True(n.HasIceControlling);

        // B's triggered check (sent when its timer fires) and the nomination cross.
        b.HandleTimeout(5);
        var (triggered, trigTo) = Poll(b);
        Assert.Equal(s_a, trigTo);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(triggered, out StunMessage t));
        Assert.Equal("AAAA:BBBB", Encoding.ASCII.GetString(t.Username));
        Assert.Equal(b.TieBreaker, t.IceControlled);
        Assert.True(t.VerifyIntegrity("aaaaaaaaaaaaaaaaaaaaaa"u8));

        // USE-CANDIDATE reaches B before B's own check succeeded: remembered, not yet nominated.
        Assert.Equal(IceReceiveResult.Consumed, b.HandleReceive(s_a, s_b, nomination, 55));
        var (nominationResponse, _) = Poll(b);
        Assert.False(Assert.Single(b.Pairs).Nominated);

        // A answers B's triggered check; B's check succeeds → B nominates and connects.
        Assert.Equal(IceReceiveResult.Consumed, a.HandleReceive(s_b, s_a, triggered, 56));
        var (triggeredResponse, _) = Poll(a);
        Assert.Equal(IceReceiveResult.Consumed, b.HandleReceive(s_a, s_b, triggeredResponse, 60));
        Assert.Equal(IceState.Connected, b.State);
        Assert.True(b.SelectedPair!.Nominated);

        // A gets the nomination's success → A connects, same pair, exactly one nominated pair each.
        Assert.Equal(IceReceiveResult.Consumed, a.HandleReceive(s_b, s_a, nominationResponse, 60));
        Assert.Equal(IceState.Connected, a.State);
        Assert.Equal(s_b, a.SelectedPair!.Remote.EndPoint);
        Assert.Equal(aHost, a.SelectedPair.Local);
        Assert.Single(a.Pairs, p => p.Nominated);
        Assert.Single(b.Pairs, p => p.Nominated);

        // Consent: next request between 4 and 6 s later (5 s × [0.8, 1.2]).
        long consentAt = a.PollTimeout();
        Assert.InRange(consentAt, 60 + 4_000, 60 + 6_000);
    }
}
