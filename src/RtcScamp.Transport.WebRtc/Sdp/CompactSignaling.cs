using System.Net;
using System.Net.Sockets;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc.Sdp;

/// <summary>What compaction left out of a browser's SDP, and why.</summary>
/// <param name="Mdns">Host candidates hidden behind <c>.local</c> mDNS names (the peer learns them as peer-reflexive).</param>
/// <param name="NotUdp">TCP candidates (RtcScamp speaks ICE over UDP only).</param>
/// <param name="Unusable">Other host names, component ≠ 1, or port 0.</param>
/// <param name="OverLimit">Usable candidates beyond <see cref="SignalingBlob.MaxCandidates"/> (lowest priority first).</param>
public readonly record struct CompactionReport(int Mdns, int NotUdp, int Unusable, int OverLimit)
{
    /// <summary>All candidates left out.</summary>
    public int Dropped => Mdns + NotUdp + Unusable + OverLimit;
}

/// <summary>Outcome of <see cref="CompactSignaling.TryCompact"/>.</summary>
public enum CompactResult : byte
{
    /// <summary>Compacted.</summary>
    Ok = 0,

    /// <summary>The ufrag or pwd is longer than a compact string carries (or not made of ice-chars).</summary>
    CredentialsNotCarried,

    /// <summary>The SDP uses an SCTP port other than 5000, which the compact string cannot say.</summary>
    UnsupportedSctpPort,
}

/// <summary>
/// Converts between a data-channel <see cref="SessionDescription"/> and the compact
/// <see cref="SignalingBlob"/>. Expansion regenerates what the WebRTC profile fixes (mid 0,
/// BUNDLE, sctp-port 5000, ice-options trickle) and recomputes candidate foundations and
/// priorities (RFC 8445 §5.1.1.3, §5.1.2.1). Compaction keeps credentials, fingerprint, setup,
/// max-message-size and the dialable candidates in the SDP's order (see docs/signaling.md
/// "Candidates"); expansion lists them in the blob's order, so both directions preserve order.
/// </summary>
public static class CompactSignaling
{
    /// <summary>The network-cost extension Chromium writes for unknown network types.</summary>
    private const string NetworkCost = "999";

    /// <summary>SDP for a blob, as Chromium would write it for the same content.</summary>
    public static SessionDescription Expand(in SignalingBlob blob)
    {
        SignalingBlob b = blob;
        var candidates = new List<SdpCandidate>(b.Candidates.Length);
        for (int i = 0; i < b.Candidates.Length; i++)
        {
            SignalingCandidate c = b.Candidates[i];
            bool hidesBase = c.Type != IceCandidateType.Host;
            candidates.Add(new SdpCandidate
            {
                Foundation = Foundation(c),
                Component = 1,
                Transport = "udp",
                Priority = Priority(c.Type, i),
                Address = c.ToIPAddress().ToString(),
                Port = c.Port,
                Type = c.Type,

                // Like Chromium: a reflexive or relayed candidate does not reveal its base.
                RelatedAddress = hidesBase ? (c.IsIPv6 ? "::" : "0.0.0.0") : null,
                RelatedPort = hidesBase ? 0 : null,
                Extensions = [new("generation", "0"), new("network-cost", NetworkCost)],
            });
        }

        return new SessionDescription
        {
            SessionId = SessionIdFrom(b.Fingerprint),
            SessionVersion = 2,
            IceUfrag = b.IceUfrag,
            IcePassword = b.IcePassword,
            Fingerprint = b.Fingerprint.ToArray(),
            Setup = b.Setup,
            MaxMessageSize = b.MaxMessageSize ?? SignalingBlob.DefaultMaxMessageSize,
            Candidates = candidates,
        };
    }

    /// <summary>
    /// The compact blob for an SDP (typically a browser's). Role is inferred from the setup
    /// attribute (actpass = offer, RFC 8842 §5.2). Candidates a non-browser cannot dial are left
    /// out and counted in <paramref name="report"/>.
    /// </summary>
    public static CompactResult TryCompact(SessionDescription description, out SignalingBlob blob, out CompactionReport report, out string error)
    {
        ArgumentNullException.ThrowIfNull(description);
        blob = default;
        report = default;
        error = string.Empty;
        if (!SignalingBlob.CanCarryCredentials(description.IceUfrag, description.IcePassword))
        {
            error = $"the ICE credentials ({description.IceUfrag.Length}-char ufrag, {description.IcePassword.Length}-char pwd) do not fit a compact string (ufrag {IceCredentials.MinUfragLength}-{IceCredentials.MaxUfragLength}, pwd {IceCredentials.MinPasswordLength}-{IceCredentials.MaxPasswordLength} ice-chars)";
            return CompactResult.CredentialsNotCarried;
        }

        if (description.SctpPort != SessionDescription.DefaultSctpPort)
        {
            error = $"a=sctp-port:{description.SctpPort} cannot be carried (the compact string assumes {SessionDescription.DefaultSctpPort})";
            return CompactResult.UnsupportedSctpPort;
        }

        int mdns = 0, notUdp = 0, unusable = 0;
        var usable = new List<(SignalingCandidate Candidate, uint Priority, int Order)>();
        foreach (SdpCandidate c in description.Candidates)
        {
            if (!c.Transport.Equals("udp", StringComparison.OrdinalIgnoreCase))
            {
                notUdp++;
            }
            else if (c.IsMdns)
            {
                mdns++;
            }
            else if (c.Component != 1 || c.Port is < 1 or > 65535 || !c.TryGetIPAddress(out IPAddress? ip)
                || ip!.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                unusable++;
            }
            else
            {
                usable.Add((SignalingCandidate.FromIPAddress(c.Type, ip, (ushort)c.Port), c.Priority, usable.Count));
            }
        }

        // Over the limit, the lowest priorities go; the rest keep the SDP's order.
        int kept = Math.Min(usable.Count, SignalingBlob.MaxCandidates);
        int overLimit = usable.Count - kept;
        if (usable.Count > kept)
        {
            usable.Sort((a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Order.CompareTo(b.Order));
            usable.RemoveRange(kept, usable.Count - kept);
            usable.Sort((a, b) => a.Order.CompareTo(b.Order));
        }

        var candidates = new SignalingCandidate[kept];
        for (int i = 0; i < kept; i++)
        {
            candidates[i] = usable[i].Candidate;
        }

        // An absent attribute means 64 KiB (RFC 8841 §6.1); the string's default is 256 KiB.
        uint mms = description.MaxMessageSize ?? SessionDescription.AbsentMaxMessageSize;
        blob = SignalingBlob.WithCredentials(
            description.InferredRole,
            description.Setup,
            description.Fingerprint.Span,
            description.IceUfrag,
            description.IcePassword,
            candidates,
            mms == SignalingBlob.DefaultMaxMessageSize ? null : mms);
        report = new CompactionReport(mdns, notUdp, unusable, overLimit);
        return CompactResult.Ok;
    }

    /// <summary>
    /// RFC 8445 §5.1.2.1: (2^24)·type preference + (2^8)·local preference + (256 − component),
    /// with the recommended type preferences (host 126, prflx 110, srflx 100, relay 0) and local
    /// preference falling with the candidate's position so that every priority is distinct.
    /// </summary>
    public static uint Priority(IceCandidateType type, int index)
    {
        uint typePreference = type switch
        {
            IceCandidateType.Host => 126u,
            IceCandidateType.PeerReflexive => 110u,
            IceCandidateType.ServerReflexive => 100u,
            _ => 0u,
        };
        uint localPreference = 65535u - (uint)Math.Clamp(index, 0, 65535);
        return (typePreference << 24) | (localPreference << 8) | (256u - 1u);
    }

    // Same type and address ⇒ same foundation (RFC 8445 §5.1.1.3); FNV-1a keeps it short and stable.
    private static string Foundation(SignalingCandidate candidate)
    {
        Span<byte> address = stackalloc byte[16];
        int n = candidate.WriteAddress(address);
        uint hash = 2166136261u;
        hash = (hash ^ (uint)candidate.Type) * 16777619u;
        foreach (byte b in address[..n])
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // Deterministic for a given blob, positive 63-bit like Chromium's random session ids.
    private static ulong SessionIdFrom(ReadOnlySpan<byte> fingerprint) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(fingerprint) & 0x7FFF_FFFF_FFFF_FFFFUL;
}
