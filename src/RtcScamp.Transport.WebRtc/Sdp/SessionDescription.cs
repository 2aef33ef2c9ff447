// SDP (RFC 8866) for the WebRTC data-channel subset: one BUNDLEd m=application section with
// UDP/DTLS/SCTP webrtc-datachannel (RFC 8841), ICE attributes (RFC 8839), DTLS fingerprint and
// setup (RFC 8122, RFC 8842). SdpParser reads what Chromium and Firefox write, SdpWriter writes
// what Chromium writes, and CompactSignaling converts to and from the compact signaling string.
// docs/signaling.md describes the compact form.
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc.Sdp;

/// <summary>
/// A session description with exactly one data-channel media section — all a WebRTC data-channel
/// peer needs. Session-level ICE and DTLS attributes are folded into the media section when parsed.
/// A record, so an answer can be shaped from an expansion (<c>expanded with { Mid = offer.Mid }</c>).
/// </summary>
public sealed record SessionDescription
{
    /// <summary>The SCTP port WebRTC uses (RFC 8841 §5; everyone sends 5000).</summary>
    public const int DefaultSctpPort = 5000;

    /// <summary>The max-message-size meant by an absent attribute (RFC 8841 §6.1: 64 KiB).</summary>
    public const uint AbsentMaxMessageSize = 65536;

    /// <summary><c>o=</c> session id (Chromium: a random 63-bit number).</summary>
    public ulong SessionId { get; init; }

    /// <summary><c>o=</c> session version.</summary>
    public ulong SessionVersion { get; init; } = 2;

    /// <summary>The mids of <c>a=group:BUNDLE</c> (empty if absent).</summary>
    public IReadOnlyList<string> BundleMids { get; init; } = ["0"];

    /// <summary><c>m=</c> port (9, the discard port, while candidates are trickled).</summary>
    public int MediaPort { get; init; } = 9;

    /// <summary>Address of the <c>c=</c> line.</summary>
    public string ConnectionAddress { get; init; } = "0.0.0.0";

    /// <summary><c>a=mid</c>.</summary>
    public string Mid { get; init; } = "0";

    /// <summary><c>a=ice-ufrag</c>.</summary>
    public required string IceUfrag { get; init; }

    /// <summary><c>a=ice-pwd</c>.</summary>
    public required string IcePassword { get; init; }

    /// <summary><c>a=ice-options</c> tokens (Chromium: <c>trickle</c>).</summary>
    public IReadOnlyList<string> IceOptions { get; init; } = ["trickle"];

    /// <summary><c>a=ice-lite</c> present.</summary>
    public bool IceLite { get; init; }

    /// <summary>The <c>a=fingerprint:sha-256</c> digest (32 bytes).</summary>
    public required ReadOnlyMemory<byte> Fingerprint { get; init; }

    /// <summary><c>a=setup</c>.</summary>
    public DtlsSetup Setup { get; init; }

    /// <summary><c>a=sctp-port</c>.</summary>
    public int SctpPort { get; init; } = DefaultSctpPort;

    /// <summary><c>a=max-message-size</c>, or null if absent (which means <see cref="AbsentMaxMessageSize"/>).</summary>
    public uint? MaxMessageSize { get; init; } = SignalingBlob.DefaultMaxMessageSize;

    /// <summary>The <c>a=candidate</c> lines, in order.</summary>
    public IReadOnlyList<SdpCandidate> Candidates { get; init; } = [];

    /// <summary><c>a=end-of-candidates</c> present.</summary>
    public bool EndOfCandidates { get; init; }

    /// <summary>Offer if the DTLS setup is <c>actpass</c> (RFC 8842 §5.2), answer otherwise.</summary>
    public SignalingRole InferredRole => Setup == DtlsSetup.ActPass ? SignalingRole.Offer : SignalingRole.Answer;

    /// <summary>The SDP text (CRLF line ends), as <see cref="SdpWriter.Write"/> produces it.</summary>
    public override string ToString() => SdpWriter.Write(this);
}
