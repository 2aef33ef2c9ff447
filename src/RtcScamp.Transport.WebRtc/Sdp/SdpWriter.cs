using System.Globalization;
using System.Text;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc.Sdp;

/// <summary>
/// Writes a data-channel session description the way Chromium writes its own (line order and
/// spelling from Chromium 156's offer), with CRLF line ends (RFC 8866 §5):
/// <code>
///   v=0
///   o=- &lt;session-id&gt; &lt;version&gt; IN IP4 127.0.0.1
///   s=-
///   t=0 0
///   a=group:BUNDLE &lt;mid&gt;
///   a=extmap-allow-mixed
///   a=msid-semantic: WMS
///   m=application &lt;port&gt; UDP/DTLS/SCTP webrtc-datachannel
///   c=IN IP4 &lt;address&gt;
///   a=candidate:… (each)
///   a=ice-ufrag:… a=ice-pwd:… a=ice-options:trickle
///   a=fingerprint:sha-256 XX:…:XX
///   a=setup:actpass|active|passive
///   a=mid:&lt;mid&gt;
///   a=sctp-port:5000
///   a=max-message-size:262144
/// </code>
/// </summary>
public static class SdpWriter
{
    /// <summary>Writes <paramref name="description"/> as SDP text.</summary>
    public static string Write(SessionDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (description.Fingerprint.Length != SignalingBlob.FingerprintLength)
        {
            throw new ArgumentException("The fingerprint must be a 32-byte SHA-256 digest.", nameof(description));
        }

        var sb = new StringBuilder(1024);
        Line(sb, "v=0");
        Line(sb, $"o=- {description.SessionId} {description.SessionVersion} IN IP4 127.0.0.1");
        Line(sb, "s=-");
        Line(sb, "t=0 0");
        if (description.BundleMids.Count > 0)
        {
            Line(sb, "a=group:BUNDLE " + string.Join(' ', description.BundleMids));
        }

        Line(sb, "a=extmap-allow-mixed");
        Line(sb, "a=msid-semantic: WMS");
        if (description.IceLite)
        {
            Line(sb, "a=ice-lite");
        }

        Line(sb, $"m=application {description.MediaPort} UDP/DTLS/SCTP webrtc-datachannel");
        Line(sb, $"c=IN {(description.ConnectionAddress.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4")} {description.ConnectionAddress}");
        foreach (SdpCandidate c in description.Candidates)
        {
            Line(sb, "a=candidate:" + FormatCandidate(c));
        }

        if (description.EndOfCandidates)
        {
            Line(sb, "a=end-of-candidates");
        }

        Line(sb, "a=ice-ufrag:" + description.IceUfrag);
        Line(sb, "a=ice-pwd:" + description.IcePassword);
        if (description.IceOptions.Count > 0)
        {
            Line(sb, "a=ice-options:" + string.Join(' ', description.IceOptions));
        }

        Line(sb, "a=fingerprint:sha-256 " + SignalingBlob.FormatFingerprint(description.Fingerprint.Span));
        Line(sb, "a=setup:" + SetupName(description.Setup));
        Line(sb, "a=mid:" + description.Mid);
        Line(sb, $"a=sctp-port:{description.SctpPort}");
        if (description.MaxMessageSize is uint mms)
        {
            Line(sb, $"a=max-message-size:{mms}");
        }

        return sb.ToString();
    }

    /// <summary>The value of an <c>a=candidate:</c> line (without the attribute name).</summary>
    public static string FormatCandidate(SdpCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var sb = new StringBuilder(128);
        sb.Append(CultureInfo.InvariantCulture, $"{candidate.Foundation} {candidate.Component} {candidate.Transport} {candidate.Priority} {candidate.Address} {candidate.Port} typ {SignalingCandidate.TypeName(candidate.Type)}");
        if (candidate.RelatedAddress is not null)
        {
            sb.Append(" raddr ").Append(candidate.RelatedAddress);
        }

        if (candidate.RelatedPort is int rport)
        {
            sb.Append(CultureInfo.InvariantCulture, $" rport {rport}");
        }

        foreach (KeyValuePair<string, string> e in candidate.Extensions)
        {
            sb.Append(' ').Append(e.Key).Append(' ').Append(e.Value);
        }

        return sb.ToString();
    }

    /// <summary>The SDP spelling of a DTLS setup role.</summary>
    public static string SetupName(DtlsSetup setup) => setup switch
    {
        DtlsSetup.ActPass => "actpass",
        DtlsSetup.Active => "active",
        DtlsSetup.Passive => "passive",
        _ => throw new ArgumentOutOfRangeException(nameof(setup)),
    };

    private static void Line(StringBuilder sb, string line) => sb.Append(line).Append("\r\n");
}
