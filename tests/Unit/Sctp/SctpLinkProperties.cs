using FsCheck.Xunit;
using RtcScamp.Transport.WebRtc.Sctp;
using static RtcScamp.Tests.Sctp.SctpTestPairs;

namespace RtcScamp.Tests.Sctp;

/// <summary>
/// Random links (loss up to 24 %, duplication, reordering, latency 1–50 ms) and random traffic in
/// both directions: every message arrives exactly once, ordered streams in order, and the receive
/// buffer never exceeds its bound. Lives beside the fake-time link it needs.
/// </summary>
public class SctpLinkProperties
{
    [Property(MaxTest = 50)]
    public bool Random_lossy_links_deliver_everything_exactly_once(int seed, byte lossPct, byte dupPct, byte reorderPct, byte latency)
    {
        var options = new SctpAssociationOptions { ReceiveWindow = 256 * 1024, MaxReceiveMessageSize = 128 * 1024 };
        var (a, b, link) = Established(options: options, seed: seed, latencyMs: 1 + (latency % 50));
        link.Loss = (lossPct % 25) / 100.0;
        link.Duplication = (dupPct % 15) / 100.0;
        link.Reordering = (reorderPct % 30) / 100.0;
        long bound = options.ReceiveWindow + (16L * options.Mtu);
        bool withinBound = true;
        link.Observe = () => withinBound &= a.Association.ReceiveBufferUsed <= bound && b.Association.ReceiveBufferUsed <= bound;

        var rng = new Random(seed);
        var sentAtoB = new List<(ushort Stream, bool Unordered, byte[] Data)>();
        var sentBtoA = new List<(ushort Stream, bool Unordered, byte[] Data)>();
        for (int i = 0; i < 120; i++)
        {
            ushort stream = (ushort)rng.Next(4);
            bool unordered = stream >= 2 && rng.Next(2) == 0;
            int size = 1 + (int)Math.Pow(2, rng.NextDouble() * 16.5);
            byte[] data = Pattern(size, i);
            (rng.Next(3) == 0 ? sentBtoA : sentAtoB).Add((stream, unordered, data));
        }

        foreach ((ushort stream, bool unordered, byte[] data) in sentAtoB)
        {
            if (a.Association.Send(stream, 53, data, unordered) != SctpSendResult.Ok)
            {
                return false;
            }
        }

        foreach ((ushort stream, bool unordered, byte[] data) in sentBtoA)
        {
            if (b.Association.Send(stream, 53, data, unordered) != SctpSendResult.Ok)
            {
                return false;
            }
        }

        if (!link.RunUntil(() => b.Messages.Count >= sentAtoB.Count && a.Messages.Count >= sentBtoA.Count
            && a.Association.BufferedAmount == 0 && b.Association.BufferedAmount == 0, 3_600_000))
        {
            return false;
        }

        return withinBound && Same(sentAtoB, b.Messages) && Same(sentBtoA, a.Messages)
            && !a.Association.IsTerminated && !b.Association.IsTerminated;
    }

    private static bool Same(List<(ushort Stream, bool Unordered, byte[] Data)> sent, List<(ushort Stream, uint Ppid, byte[] Data, bool Unordered)> got)
    {
        if (sent.Count != got.Count)
        {
            return false;
        }

        for (ushort s = 0; s < 4; s++)
        {
            var expectedOrdered = sent.Where(m => m.Stream == s && !m.Unordered).Select(m => m.Data).ToList();
            var gotOrdered = got.Where(m => m.Stream == s && !m.Unordered).Select(m => m.Data).ToList();
            if (!expectedOrdered.SequenceEqual(gotOrdered, ByteArrayComparer.Instance))
            {
                return false;
            }

            var expectedUnordered = sent.Where(m => m.Stream == s && m.Unordered).Select(m => Convert.ToHexString(m.Data)).Order().ToList();
            var gotUnordered = got.Where(m => m.Stream == s && m.Unordered).Select(m => Convert.ToHexString(m.Data)).Order().ToList();
            if (!expectedUnordered.SequenceEqual(gotUnordered))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
