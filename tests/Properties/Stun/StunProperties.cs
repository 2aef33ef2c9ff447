using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Stun;
using RtcScamp.Transport.WebRtc.Udp;

namespace RtcScamp.Tests.Stun;

/// <summary>Peer bytes are hostile: the STUN parser, the ICE agent and the demultiplexer must never throw.</summary>
public class StunProperties
{
    private static readonly byte[] s_key = "a-22-char-ice-password"u8.ToArray();
    private static readonly IPEndPoint s_peer = new(IPAddress.Loopback, 4000);

    private static byte[] ValidCheck(uint priority, ulong tieBreaker, bool useCandidate, byte[] txid)
    {
        var buffer = new byte[StunProtocol.MaxMessageSize];
        var w = new StunWriter(buffer, StunProtocol.BindingRequest, txid);
        w.WriteUsername("ufrag"u8, "peer"u8);
        w.WritePriority(priority);
        w.WriteIceControlling(tieBreaker);
        if (useCandidate)
        {
            w.WriteUseCandidate();
        }

        w.WriteXorMappedAddress(s_peer);
        w.WriteMessageIntegrity(s_key);
        w.WriteFingerprint();
        return buffer.AsSpan(0, w.Length).ToArray();
    }

    private static void Exercise(byte[] bytes)
    {
        if (StunMessage.TryParse(bytes, out StunMessage m) == StunParseError.None)
        {
            _ = m.VerifyIntegrity(s_key);
            _ = m.GetXorMappedEndPoint();
            _ = m.Priority + m.IceControlling + m.IceControlled + (ulong)m.ErrorCode;
            _ = m.ErrorReason.Length + m.Username.Length;
            _ = m.UsernameStartsWithUfrag("ufrag"u8);
        }

        var demux = new UdpDemultiplexer<object>();
        demux.RegisterUfrag("ufrag", new object());
        demux.BindRemote(s_peer, new object());
        _ = demux.Route(bytes, s_peer, out _);

        var random = new SeededIceRandom(1);
        var agent = new IceAgent(new IceCredentials("ufrag", "a-22-char-ice-password"), controlling: false, random);
        agent.AddLocalHostCandidate(new IPEndPoint(IPAddress.Loopback, 5000));
        agent.SetRemoteCredentials(new IceCredentials("peer", "another-22-char-password"));
        _ = agent.HandleReceive(s_peer, null, bytes, 0);
        var output = new byte[StunProtocol.MaxMessageSize];
        while (agent.PollTransmit(output, out _) > 0)
        {
        }

        agent.HandleTimeout(10);
    }

    [Property(MaxTest = 2000)]
    public void Arbitrary_bytes_never_throw(byte[] bytes) => Exercise(bytes);

    [Property(MaxTest = 2000)]
    public void Arbitrary_bytes_behind_a_valid_header_never_throw(byte[] tail, byte type)
    {
        // A valid header whose length matches, so the attribute walk sees the random bytes.
        int length = Math.Min(tail.Length & ~3, 1000);
        var bytes = new byte[20 + length];
        bytes[1] = (byte)(type & 0x3F);
        bytes[2] = (byte)(length >> 8);
        bytes[3] = (byte)length;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), StunProtocol.MagicCookie);
        tail.AsSpan(0, length).CopyTo(bytes.AsSpan(20));
        Exercise(bytes);
    }

    [Property(MaxTest = 2000)]
    public void Mutated_valid_messages_never_throw(uint priority, ulong tieBreaker, bool useCandidate, NonEmptyArray<(int Index, byte Value)> mutations, int truncate)
    {
        byte[] bytes = ValidCheck(priority, tieBreaker, useCandidate, new byte[12]);
        foreach (var (index, value) in mutations.Get)
        {
            bytes[(int)((uint)index % (uint)bytes.Length)] = value;
        }

        int keep = bytes.Length - (int)((uint)truncate % 9);
        Exercise(bytes.AsSpan(0, keep).ToArray());
    }

    [Property]
    public bool Build_then_parse_round_trips(uint priority, ulong tieBreaker, bool useCandidate, ulong txHigh, uint txLow)
    {
        var txid = new byte[12];
        new StunTransactionId(txHigh, txLow).Write(txid);
        byte[] bytes = ValidCheck(priority, tieBreaker, useCandidate, txid);
        return StunMessage.TryParse(bytes, out StunMessage m) == StunParseError.None
            && m.Priority == priority
            && m.IceControlling == tieBreaker
            && m.HasUseCandidate == useCandidate
            && StunTransactionId.Read(m.TransactionId) == new StunTransactionId(txHigh, txLow)
            && m.VerifyIntegrity(s_key)
            && s_peer.Equals(m.GetXorMappedEndPoint())
            && m.UsernameStartsWithUfrag("ufrag"u8);
    }

    [Xunit.Fact]
    public void Every_single_bit_flip_before_fingerprint_is_detected()
    {
        // FINGERPRINT and MESSAGE-INTEGRITY (or a header check) catch every single-bit error in the
        // bytes they cover. Exhaustive over every bit up to the FINGERPRINT attribute; its own bytes
        // are excluded because a flipped type turns it into an ignored attribute after integrity.
        byte[] original = ValidCheck(7, 9, true, new byte[12]);
        int covered = (original.Length - 8) * 8;
        for (int b = 0; b < covered; b++)
        {
            byte[] bytes = (byte[])original.Clone();
            bytes[b / 8] ^= (byte)(1 << (b % 8));
            bool detected = StunMessage.TryParse(bytes, out StunMessage m) != StunParseError.None || !m.VerifyIntegrity(s_key);
            Xunit.Assert.True(detected, $"bit {b} undetected");
        }
    }
}
