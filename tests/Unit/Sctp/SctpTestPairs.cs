using RtcScamp.Transport.WebRtc.Sctp;

namespace RtcScamp.Tests.Sctp;

internal static class SctpTestPairs
{
    public static SctpAssociation Create(byte seed, SctpAssociationOptions? options = null)
    {
        var bytes = new byte[32];
        Array.Fill(bytes, seed);
        return new SctpAssociation(options ?? new SctpAssociationOptions(), bytes);
    }

    /// <summary>Two associations on a link; both Connect (an INIT collision, as in WebRTC) unless <paramref name="bothConnect"/> is false.</summary>
    public static (AssociationEndpoint A, AssociationEndpoint B, SctpLink Link) Established(
        bool bothConnect = true, SctpAssociationOptions? options = null, int seed = 1, int latencyMs = 10,
        SctpAssociationOptions? optionsB = null)
    {
        var a = new AssociationEndpoint(Create(1, options));
        var b = new AssociationEndpoint(Create(2, optionsB ?? options));
        var link = new SctpLink(a, b, seed) { LatencyMs = latencyMs };
        a.Association.Connect(link.Now);
        if (bothConnect)
        {
            b.Association.Connect(link.Now);
        }

        bool up = link.RunUntil(() => a.Association.State == SctpAssociationState.Established
            && b.Association.State == SctpAssociationState.Established, 60_000);
        if (!up)
        {
            throw new InvalidOperationException($"handshake failed: {a.Association.State} / {b.Association.State}");
        }

        return (a, b, link);
    }

    public static byte[] Pattern(int length, int salt)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 31) + (i >> 8) + salt);
        }

        return data;
    }
}
