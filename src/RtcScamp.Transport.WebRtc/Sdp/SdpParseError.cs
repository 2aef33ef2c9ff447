namespace RtcScamp.Transport.WebRtc.Sdp;

/// <summary>Outcome of <see cref="SdpParser.TryParse"/>.</summary>
public enum SdpParseResult : byte
{
    /// <summary>Parsed.</summary>
    Ok = 0,

    /// <summary>No text.</summary>
    Empty,

    /// <summary>More than <see cref="SdpParser.MaxLength"/> characters.</summary>
    TooLong,

    /// <summary>More than <see cref="SdpParser.MaxLines"/> lines.</summary>
    TooManyLines,

    /// <summary>A line longer than <see cref="SdpParser.MaxLineLength"/>.</summary>
    LineTooLong,

    /// <summary>A line that is not <c>&lt;letter&gt;=&lt;value&gt;</c>.</summary>
    MalformedLine,

    /// <summary>The first line is not <c>v=0</c>.</summary>
    BadVersion,

    /// <summary>A mandatory line (<c>o=</c>, <c>m=</c>) is missing.</summary>
    MissingLine,

    /// <summary>The <c>o=</c> line is malformed.</summary>
    BadOrigin,

    /// <summary>A media section other than one data channel (audio, video, legacy SCTP, a second data section).</summary>
    UnsupportedMedia,

    /// <summary>A mandatory attribute (ice-ufrag, ice-pwd, fingerprint:sha-256, setup) is missing.</summary>
    MissingAttribute,

    /// <summary>An attribute value is malformed or out of range.</summary>
    BadAttribute,

    /// <summary>An <c>a=candidate</c> line is malformed.</summary>
    BadCandidate,

    /// <summary>More than <see cref="SdpParser.MaxCandidates"/> candidates.</summary>
    TooManyCandidates,
}

/// <summary>What is wrong with an SDP text: the kind, the 1-based line number (0 if none) and a detail.</summary>
public readonly record struct SdpParseError(SdpParseResult Result, int Line, string Detail)
{
    /// <summary>A message like <c>line 9: bad a=candidate: port "x" is not a number</c>.</summary>
    public override string ToString() => Line > 0 ? $"line {Line}: {Detail}" : Detail;
}
