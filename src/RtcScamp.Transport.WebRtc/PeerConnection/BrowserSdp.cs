using System.Diagnostics.CodeAnalysis;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc;

/// <summary>
/// The browser side of the manual flow: a <see cref="PeerConnection"/> speaks compact strings, a
/// browser's <c>RTCPeerConnection</c> speaks SDP. <see cref="TryExpand"/> turns a string into SDP for
/// <c>setRemoteDescription</c>; <see cref="TryCompact"/> turns the browser's <c>localDescription.sdp</c>
/// into a string (mDNS <c>.local</c> candidates are dropped: the .NET side learns the browser's address
/// from its checks). Rules: docs/signaling.md. Bad input is reported, never thrown.
/// </summary>
public static class BrowserSdp
{
    /// <summary>SDP (CRLF) for a compact offer or answer.</summary>
    /// <param name="compact">The string from <see cref="PeerConnection.CreateOffer"/> or <see cref="PeerConnection.TryAcceptOffer"/>.</param>
    /// <param name="sdp">The SDP to pass to <c>setRemoteDescription</c>.</param>
    /// <param name="error">Why the string was refused.</param>
    /// <param name="mid">The media id to write; an answer must repeat the browser offer's (Chromium and Firefox use "0").</param>
    public static bool TryExpand(string compact, [NotNullWhen(true)] out string? sdp, out string error, string mid = "0")
    {
        ArgumentNullException.ThrowIfNull(compact);
        ArgumentException.ThrowIfNullOrEmpty(mid);
        sdp = null;
        if (SignalingBlob.TryDecode(compact, out SignalingBlob blob, out error) != SignalingDecodeResult.Ok)
        {
            return false;
        }

        sdp = (CompactSignaling.Expand(blob) with { Mid = mid }).ToString();
        return true;
    }

    /// <summary>The compact string for a browser's offer or answer SDP.</summary>
    /// <param name="sdp">The browser's <c>localDescription.sdp</c>.</param>
    /// <param name="compact">The string for <see cref="PeerConnection.TryAcceptOffer"/> or <see cref="PeerConnection.TryAcceptAnswer"/>.</param>
    /// <param name="mid">The SDP's media id (an expanded answer must repeat it).</param>
    /// <param name="error">Why the SDP was refused.</param>
    public static bool TryCompact(string sdp, [NotNullWhen(true)] out string? compact, [NotNullWhen(true)] out string? mid, out string error)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        compact = null;
        mid = null;
        if (SdpParser.TryParse(sdp, out SessionDescription? description, out SdpParseError parseError) != SdpParseResult.Ok)
        {
            error = parseError.ToString();
            return false;
        }

        if (CompactSignaling.TryCompact(description!, out SignalingBlob blob, out _, out error) != CompactResult.Ok)
        {
            return false;
        }

        compact = blob.Encode();
        mid = description!.Mid;
        return true;
    }
}
