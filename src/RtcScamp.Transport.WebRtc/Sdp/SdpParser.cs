using System.Globalization;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc.Sdp;

/// <summary>
/// Reads the data-channel subset of SDP (RFC 8866 grammar, attributes from RFC 8839, 8841, 8842,
/// 8122) as browsers write it. Hostile-input safe: total length, line count, line length and
/// candidate count are bounded before work is done, every number is range-checked, unknown
/// attributes are skipped, and nothing the text contains makes it throw.
/// <code>
///   v=0                                   session section
///   o=- 9103663516567550640 2 IN IP4 127.0.0.1
///   s=-  t=0 0
///   a=group:BUNDLE 0  [a=ice-*/fingerprint/setup may also sit here, e.g. Firefox]
///   m=application 9 UDP/DTLS/SCTP webrtc-datachannel     the one media section
///   c=IN IP4 0.0.0.0
///   a=candidate:… a=ice-ufrag:… a=ice-pwd:… a=ice-options:… a=fingerprint:sha-256 …
///   a=setup:… a=mid:… a=sctp-port:… a=max-message-size:…
/// </code>
/// Lines end in CRLF or LF; blank lines and trailing blanks are tolerated (pasted text).
/// </summary>
public static class SdpParser
{
    /// <summary>Largest SDP text accepted, in characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Most lines accepted.</summary>
    public const int MaxLines = 1000;

    /// <summary>Longest line accepted.</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Most candidates accepted.</summary>
    public const int MaxCandidates = 64;

    private const int MaxCandidateTokens = 64;
    private const int MaxIceStringLength = 256;

    /// <summary>Parses an SDP offer or answer. Never throws on input.</summary>
    public static SdpParseResult TryParse(string? text, out SessionDescription? description, out SdpParseError error)
    {
        description = null;
        var state = new ParseState();
        error = Parse(text, ref state);
        if (error.Result == SdpParseResult.Ok)
        {
            error = Finish(ref state, out description);
        }

        return error.Result;
    }

    private static SdpParseError Parse(string? text, ref ParseState st)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new(SdpParseResult.Empty, 0, "the SDP is empty");
        }

        if (text.Length > MaxLength)
        {
            return new(SdpParseResult.TooLong, 0, $"the SDP has {text.Length} characters (at most {MaxLength})");
        }

        ReadOnlySpan<char> rest = text;
        int lineNumber = 0;
        bool sawVersion = false;
        while (!rest.IsEmpty)
        {
            int nl = rest.IndexOf('\n');
            ReadOnlySpan<char> line = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? default : rest[(nl + 1)..];
            lineNumber++;
            if (lineNumber > MaxLines)
            {
                return new(SdpParseResult.TooManyLines, lineNumber, $"more than {MaxLines} lines");
            }

            if (line.Length > MaxLineLength)
            {
                return new(SdpParseResult.LineTooLong, lineNumber, $"line longer than {MaxLineLength} characters");
            }

            line = line.TrimEnd(" \t\r");
            if (line.IsEmpty)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=' || line[0] is < 'a' or > 'z')
            {
                return new(SdpParseResult.MalformedLine, lineNumber, "not a '<letter>=<value>' line");
            }

            char type = line[0];
            ReadOnlySpan<char> value = line[2..];
            if (!sawVersion)
            {
                if (type != 'v' || !value.SequenceEqual("0"))
                {
                    return new(SdpParseResult.BadVersion, lineNumber, "an SDP starts with 'v=0'");
                }

                sawVersion = true;
                continue;
            }

            SdpParseError e = type switch
            {
                'o' => ParseOrigin(value, lineNumber, ref st),
                'm' => ParseMedia(value, lineNumber, ref st),
                'c' => ParseConnection(value, lineNumber, ref st),
                'a' => ParseAttribute(value, lineNumber, ref st),
                _ => default,
            };
            if (e.Result != SdpParseResult.Ok)
            {
                return e;
            }
        }

        return default;
    }

    // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
    private static SdpParseError ParseOrigin(ReadOnlySpan<char> value, int line, ref ParseState st)
    {
        if (st.InMedia)
        {
            return new(SdpParseResult.MalformedLine, line, "'o=' inside a media section");
        }

        Span<Range> parts = stackalloc Range[7];
        int n = value.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (n != 6
            || !ulong.TryParse(value[parts[1]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong id)
            || !ulong.TryParse(value[parts[2]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong version))
        {
            return new(SdpParseResult.BadOrigin, line, "bad o= line: expected '<user> <session-id> <version> IN IP4 <address>' with numeric id and version");
        }

        st.SawOrigin = true;
        st.SessionId = id;
        st.SessionVersion = version;
        return default;
    }

    // m=application <port> UDP/DTLS/SCTP webrtc-datachannel
    private static SdpParseError ParseMedia(ReadOnlySpan<char> value, int line, ref ParseState st)
    {
        Span<Range> parts = stackalloc Range[5];
        int n = value.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries);
        ReadOnlySpan<char> media = n > 0 ? value[parts[0]] : default;
        if (!media.SequenceEqual("application"))
        {
            return new(SdpParseResult.UnsupportedMedia, line, $"unsupported media 'm={media.ToString()}': only a data channel (m=application) is supported");
        }

        if (n != 4
            || !value[parts[2]].Equals("UDP/DTLS/SCTP", StringComparison.OrdinalIgnoreCase)
            || !value[parts[3]].SequenceEqual("webrtc-datachannel"))
        {
            return new(SdpParseResult.UnsupportedMedia, line, "unsupported data section: expected 'm=application <port> UDP/DTLS/SCTP webrtc-datachannel' (RFC 8841)");
        }

        if (st.InMedia)
        {
            return new(SdpParseResult.UnsupportedMedia, line, "more than one data-channel section");
        }

        if (!int.TryParse(value[parts[1]], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            return new(SdpParseResult.BadAttribute, line, "bad m= port");
        }

        st.InMedia = true;
        st.MediaPort = port;
        return default;
    }

    // c=IN IP4 <address>
    private static SdpParseError ParseConnection(ReadOnlySpan<char> value, int line, ref ParseState st)
    {
        Span<Range> parts = stackalloc Range[4];
        int n = value.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (n != 3 || !IsAddressToken(value[parts[2]]))
        {
            return new(SdpParseResult.BadAttribute, line, "bad c= line: expected 'IN IP4 <address>'");
        }

        if (st.InMedia)
        {
            st.ConnectionAddress = value[parts[2]].ToString();
        }

        return default;
    }

    private static SdpParseError ParseAttribute(ReadOnlySpan<char> attribute, int line, ref ParseState st)
    {
        int colon = attribute.IndexOf(':');
        ReadOnlySpan<char> name = colon < 0 ? attribute : attribute[..colon];
        ReadOnlySpan<char> value = colon < 0 ? default : attribute[(colon + 1)..];
        switch (name)
        {
            case "group":
                if (value is "BUNDLE" || value.StartsWith("BUNDLE "))
                {
                    var mids = new List<string>();
                    foreach (Range r in value[6..].Split(' '))
                    {
                        if (!value[6..][r].IsEmpty)
                        {
                            mids.Add(value[6..][r].ToString());
                        }
                    }

                    st.BundleMids = mids;
                }

                return default;
            case "ice-ufrag":
                return TryIceString(value, IceCredentials.MinUfragLength, line, "ice-ufrag", out (st.InMedia ? ref st.MediaUfrag : ref st.SessionUfrag));
            case "ice-pwd":
                return TryIceString(value, IceCredentials.MinPasswordLength, line, "ice-pwd", out (st.InMedia ? ref st.MediaPassword : ref st.SessionPassword));
            case "ice-options":
                List<string> options = [];
                foreach (Range r in value.Split(' '))
                {
                    if (!value[r].IsEmpty)
                    {
                        options.Add(value[r].ToString());
                    }
                }

                (st.InMedia ? ref st.MediaIceOptions : ref st.SessionIceOptions) = options;
                return default;
            case "ice-lite":
                st.IceLite = true;
                return default;
            case "fingerprint":
                return ParseFingerprint(value, line, ref st);
            case "setup":
                DtlsSetup? setup = value switch
                {
                    "actpass" => DtlsSetup.ActPass,
                    "active" => DtlsSetup.Active,
                    "passive" => DtlsSetup.Passive,
                    _ => null,
                };
                if (setup is null)
                {
                    return new(SdpParseResult.BadAttribute, line, "bad a=setup: expected actpass, active or passive");
                }

                (st.InMedia ? ref st.MediaSetup : ref st.SessionSetup) = setup;
                return default;
            case "mid" when st.InMedia:
                if (value.IsEmpty || value.Length > 32 || value.ContainsAny(" \t"))
                {
                    return new(SdpParseResult.BadAttribute, line, "bad a=mid: 1-32 characters without spaces");
                }

                st.Mid = value.ToString();
                return default;
            case "sctp-port" when st.InMedia:
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int sctpPort) || sctpPort is 0 or > 65535)
                {
                    return new(SdpParseResult.BadAttribute, line, "bad a=sctp-port: expected 1-65535");
                }

                st.SctpPort = sctpPort;
                return default;
            case "max-message-size" when st.InMedia:
                if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint mms))
                {
                    return new(SdpParseResult.BadAttribute, line, "bad a=max-message-size: expected a number up to 4294967295");
                }

                st.MaxMessageSize = mms;
                return default;
            case "candidate" when st.InMedia:
                if (st.Candidates.Count >= MaxCandidates)
                {
                    return new(SdpParseResult.TooManyCandidates, line, $"more than {MaxCandidates} candidates");
                }

                string? reason = TryParseCandidate(value, out SdpCandidate? candidate);
                if (reason is not null)
                {
                    return new(SdpParseResult.BadCandidate, line, "bad a=candidate: " + reason);
                }

                st.Candidates.Add(candidate!);
                return default;
            case "end-of-candidates":
                st.EndOfCandidates = true;
                return default;
            default:
                return default;
        }
    }

    private static SdpParseError TryIceString(ReadOnlySpan<char> value, int min, int line, string name, out string? result)
    {
        result = null;
        if (value.Length < min || value.Length > MaxIceStringLength || !IceCredentials.AreIceChars(value))
        {
            return new(SdpParseResult.BadAttribute, line, $"bad a={name}: expected {min}-{MaxIceStringLength} ice-chars (letters, digits, '+', '/')");
        }

        result = value.ToString();
        return default;
    }

    // a=fingerprint:<hash-function> <hex pairs joined by ':'>   (RFC 8122 §5)
    private static SdpParseError ParseFingerprint(ReadOnlySpan<char> value, int line, ref ParseState st)
    {
        int space = value.IndexOf(' ');
        if (space < 0)
        {
            return new(SdpParseResult.BadAttribute, line, "bad a=fingerprint: expected '<hash-function> <hex:pairs>'");
        }

        if (!value[..space].Equals("sha-256", StringComparison.OrdinalIgnoreCase))
        {
            return default; // other hash functions are allowed alongside; only sha-256 is used
        }

        if (!CertificateFingerprint.TryParse(value[(space + 1)..].Trim(' '), out CertificateFingerprint digest))
        {
            return new(SdpParseResult.BadAttribute, line, "bad a=fingerprint:sha-256: expected 32 hex pairs joined by ':'");
        }

        (st.InMedia ? ref st.MediaFingerprint : ref st.SessionFingerprint) = digest.ToArray();
        return default;
    }

    /// <summary>Parses the value of an <c>a=candidate:</c> line; returns null on success or the reason it is bad.</summary>
    internal static string? TryParseCandidate(ReadOnlySpan<char> value, out SdpCandidate? candidate)
    {
        candidate = null;
        Span<Range> t = stackalloc Range[MaxCandidateTokens + 1];
        int n = value.Split(t, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (n > MaxCandidateTokens)
        {
            return "too many fields";
        }

        if (n < 8)
        {
            return "expected '<foundation> <component> <transport> <priority> <address> <port> typ <type>'";
        }

        ReadOnlySpan<char> foundation = value[t[0]];
        if (foundation.Length > 32 || !IceCredentials.AreIceChars(foundation))
        {
            return "foundation must be 1-32 ice-chars";
        }

        if (!int.TryParse(value[t[1]], NumberStyles.None, CultureInfo.InvariantCulture, out int component) || component is < 1 or > 256)
        {
            return "component must be 1-256";
        }

        ReadOnlySpan<char> transport = value[t[2]];
        if (transport.Length > 16 || !IsToken(transport))
        {
            return "bad transport";
        }

        if (!uint.TryParse(value[t[3]], NumberStyles.None, CultureInfo.InvariantCulture, out uint priority) || priority is 0 or > int.MaxValue)
        {
            return "priority must be 1-2147483647";
        }

        ReadOnlySpan<char> address = value[t[4]];
        if (!IsAddressToken(address))
        {
            return "bad connection address";
        }

        if (!int.TryParse(value[t[5]], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            return "port must be 0-65535";
        }

        if (!value[t[6]].SequenceEqual("typ") || !SignalingCandidate.TryParseTypeName(value[t[7]], out IceCandidateType type))
        {
            return "expected 'typ host|srflx|prflx|relay'";
        }

        if ((n - 8) % 2 != 0)
        {
            return "an extension name without a value";
        }

        string? relatedAddress = null;
        int? relatedPort = null;
        List<KeyValuePair<string, string>> extensions = [];
        for (int i = 8; i < n; i += 2)
        {
            ReadOnlySpan<char> key = value[t[i]];
            ReadOnlySpan<char> v = value[t[i + 1]];
            if (key.SequenceEqual("raddr"))
            {
                if (!IsAddressToken(v))
                {
                    return "bad raddr";
                }

                relatedAddress = v.ToString();
            }
            else if (key.SequenceEqual("rport"))
            {
                if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int rport) || rport > 65535)
                {
                    return "rport must be 0-65535";
                }

                relatedPort = rport;
            }
            else
            {
                if (key.Length > 64 || v.Length > 256 || !IsToken(key) || !IsVisible(v))
                {
                    return "bad extension attribute";
                }

                extensions.Add(new(key.ToString(), v.ToString()));
            }
        }

        candidate = new SdpCandidate
        {
            Foundation = foundation.ToString(),
            Component = component,
            Transport = transport.ToString().ToLowerInvariant(),
            Priority = priority,
            Address = address.ToString(),
            Port = port,
            Type = type,
            RelatedAddress = relatedAddress,
            RelatedPort = relatedPort,
            Extensions = extensions,
        };
        return null;
    }

    private static SdpParseError Finish(ref ParseState st, out SessionDescription? description)
    {
        description = null;
        if (!st.SawOrigin)
        {
            return new(SdpParseResult.MissingLine, 0, "no o= line");
        }

        if (!st.InMedia)
        {
            return new(SdpParseResult.MissingLine, 0, "no data-channel section ('m=application … UDP/DTLS/SCTP webrtc-datachannel')");
        }

        string? ufrag = st.MediaUfrag ?? st.SessionUfrag;
        string? pwd = st.MediaPassword ?? st.SessionPassword;
        byte[]? fingerprint = st.MediaFingerprint ?? st.SessionFingerprint;
        DtlsSetup? setup = st.MediaSetup ?? st.SessionSetup;
        string? missing = ufrag is null ? "a=ice-ufrag"
            : pwd is null ? "a=ice-pwd"
            : fingerprint is null ? "a=fingerprint:sha-256 (only SHA-256 fingerprints are supported)"
            : setup is null ? "a=setup"
            : null;
        if (missing is not null)
        {
            return new(SdpParseResult.MissingAttribute, 0, "missing " + missing);
        }

        description = new SessionDescription
        {
            SessionId = st.SessionId,
            SessionVersion = st.SessionVersion,
            BundleMids = st.BundleMids ?? [],
            MediaPort = st.MediaPort,
            ConnectionAddress = st.ConnectionAddress ?? "0.0.0.0",
            Mid = st.Mid ?? "0",
            IceUfrag = ufrag!,
            IcePassword = pwd!,
            IceOptions = st.MediaIceOptions ?? st.SessionIceOptions ?? [],
            IceLite = st.IceLite,
            Fingerprint = fingerprint,
            Setup = setup!.Value,
            SctpPort = st.SctpPort,
            MaxMessageSize = st.MaxMessageSize,
            Candidates = st.Candidates,
            EndOfCandidates = st.EndOfCandidates,
        };
        return default;
    }

    private static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '^' or '`' or '{' or '|' or '}' or '~'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsVisible(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (c is <= ' ' or >= (char)0x7F)
            {
                return false;
            }
        }

        return !s.IsEmpty;
    }

    // An IP literal or a host name (mDNS names included): letters, digits, '.', ':', '-', '%', '_'.
    private static bool IsAddressToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || s.Length > 255)
        {
            return false;
        }

        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '-' or '%' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private struct ParseState
    {
        public bool SawOrigin;
        public bool InMedia;
        public bool IceLite;
        public bool EndOfCandidates;
        public ulong SessionId;
        public ulong SessionVersion;
        public int MediaPort;
        public int SctpPort;
        public uint? MaxMessageSize;
        public string? ConnectionAddress;
        public string? Mid;
        public string? SessionUfrag;
        public string? MediaUfrag;
        public string? SessionPassword;
        public string? MediaPassword;
        public byte[]? SessionFingerprint;
        public byte[]? MediaFingerprint;
        public DtlsSetup? SessionSetup;
        public DtlsSetup? MediaSetup;
        public List<string>? BundleMids;
        public List<string>? SessionIceOptions;
        public List<string>? MediaIceOptions;
        private List<SdpCandidate>? _candidates;

        public List<SdpCandidate> Candidates => _candidates ??= [];

        public ParseState()
        {
            SctpPort = SessionDescription.DefaultSctpPort;
        }
    }
}
