using System.Globalization;

namespace RtcScamp.Wire.Signaling;

/// <summary>Outcome of <see cref="SignalingBlob.TryDecode(ReadOnlySpan{char}, out SignalingBlob, out string)"/>.</summary>
public enum SignalingDecodeResult : byte
{
    /// <summary>The string is valid; the blob holds its fields.</summary>
    Ok = 0,

    /// <summary>Nothing but whitespace was given.</summary>
    Empty,

    /// <summary>The string does not start with <c>rs</c>: it is not a signaling string.</summary>
    BadPrefix,

    /// <summary>The string names a format version this build does not read.</summary>
    UnsupportedVersion,

    /// <summary>A character outside <c>0-9 A-Z a-z</c> (after the prefix).</summary>
    InvalidCharacter,

    /// <summary>Longer than any valid string.</summary>
    TooLong,

    /// <summary>Shorter than the smallest valid string.</summary>
    TooShort,

    /// <summary>Shorter than its header says.</summary>
    Truncated,

    /// <summary>Longer than its header says: characters were added.</summary>
    ExtraCharacters,

    /// <summary>No valid string has this many characters: characters were lost or added.</summary>
    BadLength,

    /// <summary>A group of characters spells a value the encoder never produces.</summary>
    InvalidGroup,

    /// <summary>The CRC-32 does not match: the string was altered.</summary>
    ChecksumMismatch,

    /// <summary>The header uses a reserved value.</summary>
    BadHeader,

    /// <summary>The header announces more candidates than the payload holds.</summary>
    BadCandidateCount,

    /// <summary>ICE ufrag or pwd has a length outside the allowed range, or a non-canonical packing.</summary>
    BadCredentials,

    /// <summary>A candidate has reserved bits set or port 0.</summary>
    BadCandidate,

    /// <summary>The fields the header announces do not fill the payload exactly.</summary>
    LengthMismatch,
}

/// <summary>
/// What is wrong with a signaling string, without allocating: the result kind and the numbers
/// that <see cref="ToString"/> puts in the message (positions are 1-based in the given text).
/// </summary>
public readonly record struct SignalingDecodeError(SignalingDecodeResult Result, int Position = 0, char Character = '\0', int Expected = 0, int Actual = 0)
{
    /// <summary>A sentence that names what is wrong, for people pasting strings.</summary>
    public override string ToString()
    {
        CultureInfo ic = CultureInfo.InvariantCulture;
        return Result switch
        {
            SignalingDecodeResult.Ok => "ok",
            SignalingDecodeResult.Empty => "the signaling string is empty",
            SignalingDecodeResult.BadPrefix => "not a signaling string: it must start with 'rs1'",
            SignalingDecodeResult.UnsupportedVersion => string.Create(ic, $"unsupported format version '{Character}': this build reads version {SignalingBlob.FormatVersion} ('rs1...')"),
            SignalingDecodeResult.InvalidCharacter => string.Create(ic, $"invalid character {Describe(Character)} at position {Position}: only letters and digits are allowed after 'rs1'"),
            SignalingDecodeResult.TooLong => string.Create(ic, $"too long: {Actual} characters (at most {Expected})"),
            SignalingDecodeResult.TooShort => string.Create(ic, $"truncated: got {Actual} characters, a signaling string has at least {Expected}"),
            SignalingDecodeResult.Truncated => string.Create(ic, $"truncated: expected {Expected} characters, got {Actual}"),
            SignalingDecodeResult.ExtraCharacters => string.Create(ic, $"extra characters: expected {Expected} characters, got {Actual}"),
            SignalingDecodeResult.BadLength => string.Create(ic, $"no signaling string has {Actual} characters: it was truncated, or characters were lost or added"),
            SignalingDecodeResult.InvalidGroup => string.Create(ic, $"corrupted: the characters from position {Position} do not spell a valid value"),
            SignalingDecodeResult.ChecksumMismatch => "checksum mismatch: the string was altered (a character was mistyped, changed, swapped or lost)",
            SignalingDecodeResult.BadHeader => string.Create(ic, $"bad header: DTLS setup value {Actual} is reserved"),
            SignalingDecodeResult.BadCandidateCount => string.Create(ic, $"bad candidate count: the header announces {Expected} candidates, the payload holds {Actual}"),
            SignalingDecodeResult.BadCredentials => Position == 1
                ? string.Create(ic, $"bad ICE credentials: ufrag length {Actual} (allowed {IceCredentials.MinUfragLength}..{IceCredentials.MaxUfragLength})")
                : Position == 2
                    ? string.Create(ic, $"bad ICE credentials: pwd length {Actual} (allowed {IceCredentials.MinPasswordLength}..{IceCredentials.MaxPasswordLength})")
                    : "bad ICE credentials: non-canonical packing (unused bits set)",
            SignalingDecodeResult.BadCandidate => Actual == 0
                ? string.Create(ic, $"bad candidate {Position}: port 0")
                : string.Create(ic, $"bad candidate {Position}: reserved bits set in its kind byte 0x{Actual:X2}"),
            SignalingDecodeResult.LengthMismatch => string.Create(ic, $"payload length mismatch: the header says {Expected} bytes, the fields take {Actual}"),
            _ => Result.ToString(),
        };
    }

    private static string Describe(char c) =>
        c is >= ' ' and < (char)0x7F
            ? string.Create(CultureInfo.InvariantCulture, $"'{c}'")
            : string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}");
}
