using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Cli.Commands;

/// <summary><c>rtcscamp sdp expand</c> and <c>rtcscamp sdp compact</c>: SDP ⇄ compact signaling string.</summary>
internal static class SdpCommands
{
    public static CliCommand Expand { get; } = new(
        ["sdp", "expand"],
        "rtcscamp sdp expand <string|->",
        "print the SDP a signaling string stands for",
        """
        Decodes a compact signaling string ('-' reads it from stdin) and prints the SDP offer or
        answer it stands for, as Chromium would write it (CRLF line ends), ready for
        RTCPeerConnection.setRemoteDescription. Exit code 1 if the string is invalid.
        """,
        RunExpand);

    public static CliCommand Compact { get; } = new(
        ["sdp", "compact"],
        "rtcscamp sdp compact < offer.sdp",
        "read an SDP offer/answer on stdin, print its compact string",
        """
        Reads a data-channel SDP (e.g. a browser's localDescription.sdp) on stdin and prints its
        compact signaling string. The role comes from a=setup (actpass = offer). Candidates a
        non-browser peer cannot dial (.local mDNS names, TCP) are left out; a note on stderr says
        which - the peer learns those addresses as peer-reflexive from incoming checks.
        Exit code 1 if the SDP is invalid or cannot be compacted.
        """,
        RunCompact);

    private static int RunExpand(CliContext context)
    {
        string text = CliArguments.SingleText(context, "signaling string", SignalingBlob.MaxTextLength * 4);
        if (SignalingBlob.TryDecode(text, out SignalingBlob blob, out string error) != SignalingDecodeResult.Ok)
        {
            throw new CliFailure(error);
        }

        context.Out.Write(SdpWriter.Write(CompactSignaling.Expand(blob)));
        return CliApp.Ok;
    }

    private static int RunCompact(CliContext context)
    {
        (List<string> positionals, _) = CliArguments.Parse(context.Args);
        if (positionals.Count > 0)
        {
            throw new CliUsageException($"unexpected argument '{positionals[0]}' (the SDP is read from stdin)");
        }

        string sdpText = context.ReadAllInput(SdpParser.MaxLength)
            ?? throw new CliFailure($"stdin holds more than {SdpParser.MaxLength} characters");
        if (SdpParser.TryParse(sdpText, out SessionDescription? sdp, out SdpParseError parseError) != SdpParseResult.Ok)
        {
            throw new CliFailure("invalid SDP: " + parseError);
        }

        if (CompactSignaling.TryCompact(sdp!, out SignalingBlob blob, out CompactionReport report, out string error) != CompactResult.Ok)
        {
            throw new CliFailure(error);
        }

        context.Out.WriteLine(blob.Encode());
        if (report.Mdns > 0)
        {
            context.Error.WriteLine($"note: left out {report.Mdns} .local mDNS host candidate(s); the peer learns that address as peer-reflexive");
        }

        if (report.NotUdp > 0)
        {
            context.Error.WriteLine($"note: left out {report.NotUdp} TCP candidate(s); RtcScamp uses ICE over UDP");
        }

        if (report.Unusable > 0)
        {
            context.Error.WriteLine($"note: left out {report.Unusable} candidate(s) with a host name, a component other than 1, or port 0");
        }

        if (report.OverLimit > 0)
        {
            context.Error.WriteLine($"note: left out the {report.OverLimit} lowest-priority candidate(s) beyond {SignalingBlob.MaxCandidates}");
        }

        return CliApp.Ok;
    }
}
