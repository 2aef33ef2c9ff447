using System.Net;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc.Sdp;

/// <summary>
/// One <c>a=candidate</c> line (RFC 8839 §5.1):
/// <code>
/// candidate:&lt;foundation&gt; &lt;component&gt; &lt;transport&gt; &lt;priority&gt; &lt;address&gt; &lt;port&gt; typ &lt;type&gt;
///           [raddr &lt;address&gt;] [rport &lt;port&gt;] *(&lt;extension-name&gt; &lt;extension-value&gt;)
/// </code>
/// The address may be an IP literal or, from browsers, an mDNS name such as <c>&lt;uuid&gt;.local</c>.
/// </summary>
public sealed record SdpCandidate
{
    /// <summary>1–32 ice-chars; candidates with the same foundation share type, base and server.</summary>
    public required string Foundation { get; init; }

    /// <summary>Component id; data channels use 1 (RTP and RTCP are muxed and BUNDLEd).</summary>
    public int Component { get; init; } = 1;

    /// <summary>Transport token, lower case: <c>udp</c> or <c>tcp</c>.</summary>
    public string Transport { get; init; } = "udp";

    /// <summary>ICE priority (RFC 8445 §5.1.2).</summary>
    public uint Priority { get; init; }

    /// <summary>IP literal or host name (e.g. an mDNS <c>.local</c> name).</summary>
    public required string Address { get; init; }

    /// <summary>Port (0–65535).</summary>
    public int Port { get; init; }

    /// <summary>Candidate type.</summary>
    public IceCandidateType Type { get; init; }

    /// <summary><c>raddr</c>, if present.</summary>
    public string? RelatedAddress { get; init; }

    /// <summary><c>rport</c>, if present.</summary>
    public int? RelatedPort { get; init; }

    /// <summary>Other extension attributes in order (<c>tcptype</c>, <c>generation</c>, <c>network-cost</c>, <c>ufrag</c>, …).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; init; } = [];

    /// <summary>True if the address is an mDNS name (<c>….local</c>) that only the browser's own LAN can resolve.</summary>
    public bool IsMdns => Address.EndsWith(".local", StringComparison.OrdinalIgnoreCase);

    /// <summary>The address as an IP literal, if it is one.</summary>
    public bool TryGetIPAddress(out IPAddress? address) => IPAddress.TryParse(Address, out address);
}
