using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Transport.WebRtc.Sctp;
using Xunit;

namespace RtcScamp.Tests.Sctp;

/// <summary>
/// Peer bytes are hostile: arbitrary bytes, arbitrary chunks behind a valid header and checksum, and
/// mutations of real recorded traffic never make an association throw, and never make it hold more
/// than its receive window (plus the one-gap overdraft) or queue more than a bounded number of events.
/// </summary>
[Properties(MaxTest = 300)]
public class SctpHostileInputProperties
{
    private static readonly SctpAssociationOptions s_options = new() { ReceiveWindow = 64 * 1024, MaxReceiveMessageSize = 32 * 1024 };
    private static readonly long s_heldBound = s_options.ReceiveWindow + (16L * s_options.Mtu);
    private static readonly Recording s_recording = Record();

    private static SctpAssociation Create(byte seed)
    {
        var bytes = new byte[32];
        Array.Fill(bytes, seed);
        return new SctpAssociation(s_options, bytes);
    }

    private sealed record Recording(List<(long At, byte[] Packet)> FromA, uint TagOfB);

    /// <summary>
    /// A deterministic conversation: INIT collision, messages of several sizes on several streams,
    /// a stream reset, HEARTBEAT-free. Every packet A sent is kept; a fresh B built from the same
    /// seed and driven the same way accepts them again, so mutations reach deep states.
    /// </summary>
    private static Recording Record()
    {
        SctpAssociation a = Create(1);
        SctpAssociation b = Create(2);
        var fromA = new List<(long, byte[])>();
        var buffer = new byte[1500];
        var read = new byte[64 * 1024];
        a.Connect(0);
        b.Connect(0);
        bool sent = false;
        bool reset = false;
        for (long now = 0; now < 5_000; now += 5)
        {
            int n;
            while ((n = a.PollTransmit(buffer, now)) > 0)
            {
                fromA.Add((now, buffer.AsSpan(0, n).ToArray()));
                b.HandlePacket(buffer.AsSpan(0, n), now);
            }

            while ((n = b.PollTransmit(buffer, now)) > 0)
            {
                a.HandlePacket(buffer.AsSpan(0, n), now);
            }

            if (a.State == SctpAssociationState.Established && !sent)
            {
                sent = true;
                for (int i = 0; i < 12; i++)
                {
                    a.Send((ushort)(i % 3), (uint)(50 + (i % 4)), new byte[1 + (i * 2500)], unordered: i % 5 == 4);
                }
            }

            if (sent && !reset && a.BufferedAmount == 0)
            {
                reset = true;
                a.ResetStream(1);
            }

            while (b.PollEvent(out SctpEvent ev))
            {
                if (ev.Kind == SctpEventKind.Message)
                {
                    b.ReadMessage(read);
                }
            }

            while (a.PollEvent(out _))
            {
            }

            if (a.PollTimeout() <= now)
            {
                a.HandleTimeout(now);
            }

            if (b.PollTimeout() <= now)
            {
                b.HandleTimeout(now);
            }
        }

        return new Recording(fromA, b.LocalVerificationTag);
    }

    /// <summary>Feeds packets to a fresh B (as in the recording) and checks the invariants after each.</summary>
    private static bool Survives(IEnumerable<(long At, byte[] Packet)> packets)
    {
        SctpAssociation b = Create(2);
        b.Connect(0);
        var buffer = new byte[1500];
        var read = new byte[64 * 1024];
        int events = 0;
        foreach ((long at, byte[] packet) in packets)
        {
            b.HandlePacket(packet, at);
            b.HandleTimeout(at);
            while (b.PollTransmit(buffer, at) > 0)
            {
            }

            if (b.ReceiveBufferUsed > s_heldBound)
            {
                return false;
            }

            // Read only every other step so undelivered data accumulates up to the window.
            if ((at / 5) % 2 == 0)
            {
                while (b.PollEvent(out SctpEvent ev))
                {
                    events++;
                    if (ev.Kind == SctpEventKind.Message && b.ReadMessage(read) != ev.Length)
                    {
                        return false;
                    }
                }
            }
        }

        return events < 100_000;
    }

    [Property]
    public bool Arbitrary_bytes_never_throw(byte[][] packets) =>
        Survives(s_recording.FromA.Take(6).Concat(packets.Select((p, i) => (100L + i, p))));

    [Property]
    public bool Arbitrary_chunks_behind_a_valid_header_never_throw(byte[][] bodies, bool reflectTag)
    {
        IEnumerable<(long, byte[])> forged = bodies.Select((body, i) =>
        {
            var packet = new byte[12 + body.Length];
            SctpPacket.WriteHeader(packet, 5000, 5000, reflectTag && i % 2 == 0 ? 0 : s_recording.TagOfB);
            body.CopyTo(packet, 12);
            SctpPacket.Seal(packet);
            return (100L + i, packet);
        });
        return Survives(s_recording.FromA.Take(6).Concat(forged));
    }

    [Property]
    public Property Mutated_recorded_traffic_never_throws()
    {
        Gen<(int Packet, int Offset, byte Value, int Kind)> mutation =
            from p in Gen.Choose(0, s_recording.FromA.Count - 1)
            from o in Gen.Choose(0, 1500)
            from v in ArbMap.Default.GeneratorFor<byte>()
            from k in Gen.Choose(0, 5)
            select (p, o, v, k);
        return Prop.ForAll(mutation.ArrayOf().ToArbitrary(), SurvivesMutations);
    }

    [Fact]
    public void A_mutated_conversation_that_once_made_ReadMessage_run_past_its_fragments_is_survived()
    {
        // Found by Mutated_recorded_traffic_never_throws (FsCheck seed 361151019637995266,4790708300727012315).
        Assert.True(SurvivesMutations([(133, 435, 150, 5), (131, 1492, 196, 3), (87, 1188, 254, 1), (126, 318, 8, 0), (91, 1159, 24, 1), (90, 323, 159, 5), (54, 958, 36, 1)]));
    }

    /// <summary>Applies the mutations (packet, offset, value, kind) to the recorded traffic and feeds it to a fresh B.</summary>
    private static bool SurvivesMutations((int Packet, int Offset, byte Value, int Kind)[] mutations)
    {
        var packets = s_recording.FromA.Select(x => (x.At, (byte[])x.Packet.Clone())).ToList();
        foreach ((int index, int offset, byte value, int kind) in mutations)
        {
            byte[] p = packets[index].Item2;
            int at = 12 + (offset % Math.Max(1, p.Length - 12));
            switch (kind)
            {
                case 0:
                    p[at % p.Length] = value;
                    break;
                case 1:
                    // Chunk or parameter length fields: the classic parser traps.
                    if (at + 1 < p.Length)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(at), (ushort)(value * 7));
                    }

                    break;
                case 2:
                    packets[index] = (packets[index].At, p.AsSpan(0, Math.Min(p.Length, at)).ToArray());
                    break;
                case 3:
                    // Duplicate the packet later in time.
                    packets.Add((packets[^1].At + value, (byte[])p.Clone()));
                    break;
                default:
                    if (at + 3 < p.Length)
                    {
                        // TSNs and sequence numbers far away.
                        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(at), (uint)(value << 24) | (uint)offset);
                    }

                    break;
            }

            // Most mutated packets get a valid checksum so chunk parsing is exercised.
            if (value % 8 != 0)
            {
                byte[] q = packets[index].Item2;
                if (q.Length >= 12)
                {
                    SctpPacket.Seal(q);
                }
            }
        }

        return Survives(packets);
    }

    [Property(MaxTest = 1)]
    public bool The_recording_itself_is_accepted_in_full()
    {
        SctpAssociation b = Create(2);
        b.Connect(0);
        var buffer = new byte[1500];
        var read = new byte[64 * 1024];
        int messages = 0;
        bool reset = false;
        foreach ((long at, byte[] packet) in s_recording.FromA)
        {
            b.HandlePacket(packet, at);
            while (b.PollTransmit(buffer, at) > 0)
            {
            }

            while (b.PollEvent(out SctpEvent ev))
            {
                if (ev.Kind == SctpEventKind.Message)
                {
                    b.ReadMessage(read);
                    messages++;
                }

                reset |= ev.Kind == SctpEventKind.IncomingStreamReset;
            }
        }

        return b.State == SctpAssociationState.Established && b.DroppedPackets == 0 && messages == 12 && reset;
    }
}
