// Compact signaling string: everything a WebRTC data-channel peer needs to connect, in about
// 100 letters and digits that survive copy-paste and e-mail. Carries what the SDP of one
// data-channel m-section says (RFC 8829 offer/answer, RFC 8839 ICE attributes, RFC 8842 DTLS
// setup, RFC 8122 fingerprint); everything else in that SDP is fixed by the WebRTC profile and
// regenerated on expansion (Transport.WebRtc/Sdp). Layout, alphabet and limits: docs/signaling.md.
//
// Text:   "rs" version(1 digit) | base62 blocks of the payload | base62 of CRC-32 (6 chars)
//                                                                 over all preceding chars
// Payload (big-endian):
//   0        1        2                34
//   +--------+--------+----------------+---------------------+-----------+------------------+
//   | length | flags  | fingerprint 32 | credentials         | [mms u32] | candidate × count |
//   +--------+--------+----------------+---------------------+-----------+------------------+
//   flags:  bit 0 role (0 offer, 1 answer)   bits 1-2 setup (0 actpass, 1 active, 2 passive)
//           bit 3 credentials (0 secret, 1 explicit)  bits 4-6 candidate count (0..7)
//           bit 7 max-message-size present
//   credentials:  secret (16)
//            or:  ufragLen(1) pwdLen(1) ice-chars of ufrag then pwd, 6 bits each, MSB first
//   candidate:    kind(1: bits 0-1 type, bit 2 IPv6, bits 3-7 zero) address(4|16) port(2)
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using RtcScamp.Wire.Checksums;

namespace RtcScamp.Wire.Signaling;

/// <summary>
/// The fields of a compact signaling string: role, DTLS setup, SHA-256 certificate fingerprint,
/// ICE credentials (a secret they derive from, or a browser's own ufrag/pwd), up to
/// <see cref="MaxCandidates"/> candidates and an optional SCTP max-message-size.
/// <see cref="Encode"/> writes the text; <see cref="TryDecode(ReadOnlySpan{char}, out SignalingBlob, out string)"/>
/// reads it, never throws on input, and detects every single-character change and every truncation.
/// Decoding allocates nothing (the value lives inline).
/// </summary>
[SkipLocalsInit]
public readonly struct SignalingBlob : IEquatable<SignalingBlob>
{
    /// <summary>The format version this build writes and reads (the digit after <c>rs</c>).</summary>
    public const int FormatVersion = 1;

    /// <summary>Every string starts with this.</summary>
    public const string Prefix = "rs1";

    /// <summary>Bytes of a SHA-256 fingerprint.</summary>
    public const int FingerprintLength = 32;

    /// <summary>Most candidates a string carries.</summary>
    public const int MaxCandidates = 7;

    /// <summary>The SCTP max-message-size assumed when a string does not carry one (RFC 8841 §6; Chromium's value).</summary>
    public const uint DefaultMaxMessageSize = 262144;

    /// <summary>Longest text the decoder looks at (longer input is rejected before any other work).</summary>
    public const int MaxTextLength = 400;

    private const int ChecksumChars = 6;
    private const int HeaderLength = 2;
    private const int MinPayloadLength = HeaderLength + FingerprintLength + IceCredentials.SecretLength;
    private const int MaxPayloadLength = 255;
    private const int CredentialChars = IceCredentials.MaxUfragLength + IceCredentials.MaxPasswordLength;

    /// <summary>Fewest characters of any valid string (a derived-credential blob without candidates).</summary>
    public static int MinTextLength { get; } = Prefix.Length + Base62Blocks.EncodedLength(MinPayloadLength) + ChecksumChars;

    private readonly FingerprintBytes _fingerprint;
    private readonly SecretBytes _secret;
    private readonly CredentialBytes _credentials; // ASCII: ufrag then pwd
    private readonly CandidateArray _candidates;
    private readonly uint _maxMessageSize;
    private readonly byte _ufragLength;
    private readonly byte _passwordLength;
    private readonly byte _candidateCount;
    private readonly bool _hasMaxMessageSize;

    private SignalingBlob(
        SignalingRole role,
        DtlsSetup setup,
        IceCredentialsKind kind,
        ReadOnlySpan<byte> fingerprint,
        ReadOnlySpan<byte> secret,
        ReadOnlySpan<byte> credentials,
        int ufragLength,
        ReadOnlySpan<SignalingCandidate> candidates,
        uint? maxMessageSize)
    {
        Role = role;
        Setup = setup;
        CredentialsKind = kind;
        fingerprint.CopyTo(_fingerprint);
        secret.CopyTo(_secret);
        credentials.CopyTo(_credentials);
        _ufragLength = (byte)ufragLength;
        _passwordLength = (byte)(credentials.Length - ufragLength);
        candidates.CopyTo(_candidates);
        _candidateCount = (byte)candidates.Length;
        _hasMaxMessageSize = maxMessageSize.HasValue;
        _maxMessageSize = maxMessageSize.GetValueOrDefault();
    }

    /// <summary>Offer or answer.</summary>
    public SignalingRole Role { get; }

    /// <summary>The DTLS role attribute (<c>a=setup</c>).</summary>
    public DtlsSetup Setup { get; }

    /// <summary>Whether the ICE credentials are derived from <see cref="Secret"/> or carried as they are.</summary>
    public IceCredentialsKind CredentialsKind { get; }

    /// <summary>The SHA-256 fingerprint of the sender's DTLS certificate (32 bytes).</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    /// <summary>The 16-byte secret ufrag and pwd derive from (all zero for explicit credentials).</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> Secret => _secret;

    /// <summary>The candidates, in the order the sender listed them.</summary>
    [UnscopedRef]
    public ReadOnlySpan<SignalingCandidate> Candidates => ((ReadOnlySpan<SignalingCandidate>)_candidates)[.._candidateCount];

    /// <summary>The SCTP max-message-size the sender announced, or null for <see cref="DefaultMaxMessageSize"/>.</summary>
    public uint? MaxMessageSize => _hasMaxMessageSize ? _maxMessageSize : null;

    /// <summary>The ICE username fragment (derived or explicit); allocates a string.</summary>
    public string IceUfrag
    {
        get
        {
            Span<char> chars = stackalloc char[IceCredentials.MaxUfragLength];
            return new string(chars[..WriteIceUfrag(chars)]);
        }
    }

    /// <summary>The ICE password (derived or explicit); allocates a string.</summary>
    public string IcePassword
    {
        get
        {
            Span<char> chars = stackalloc char[IceCredentials.MaxPasswordLength];
            return new string(chars[..WriteIcePassword(chars)]);
        }
    }

    /// <summary>Characters in the text form.</summary>
    public int EncodedLength => Prefix.Length + Base62Blocks.EncodedLength(PayloadLength) + ChecksumChars;

    private int PayloadLength
    {
        get
        {
            int length = HeaderLength + FingerprintLength;
            length += CredentialsKind == IceCredentialsKind.DerivedFromSecret
                ? IceCredentials.SecretLength
                : 2 + IceCredentials.PackedLength(_ufragLength + _passwordLength);
            length += _hasMaxMessageSize ? 4 : 0;
            foreach (SignalingCandidate c in Candidates)
            {
                length += 1 + c.AddressLength + 2;
            }

            return length;
        }
    }

    /// <summary>
    /// A blob whose ICE credentials derive from a 16-byte random secret (the form RtcScamp peers send).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong fingerprint or secret length, too many candidates, or an undefined enum value.</exception>
    public static SignalingBlob WithSecret(
        SignalingRole role,
        DtlsSetup setup,
        ReadOnlySpan<byte> fingerprint,
        ReadOnlySpan<byte> secret,
        ReadOnlySpan<SignalingCandidate> candidates,
        uint? maxMessageSize = null)
    {
        CheckCommon(role, setup, fingerprint, candidates);
        if (secret.Length != IceCredentials.SecretLength)
        {
            ThrowArgument("The secret is 16 bytes.");
        }

        return new SignalingBlob(role, setup, IceCredentialsKind.DerivedFromSecret, fingerprint, secret, default, 0, candidates, maxMessageSize);
    }

    /// <summary>
    /// A blob carrying explicit ICE credentials (e.g. a browser's): ufrag of 4–32 and pwd of 22–48 ice-chars.
    /// </summary>
    /// <exception cref="ArgumentException">A field is out of range or a credential has a non-ice-char.</exception>
    public static SignalingBlob WithCredentials(
        SignalingRole role,
        DtlsSetup setup,
        ReadOnlySpan<byte> fingerprint,
        ReadOnlySpan<char> ufrag,
        ReadOnlySpan<char> password,
        ReadOnlySpan<SignalingCandidate> candidates,
        uint? maxMessageSize = null)
    {
        CheckCommon(role, setup, fingerprint, candidates);
        if (!CanCarryCredentials(ufrag, password))
        {
            ThrowArgument("ufrag must be 4-32 and pwd 22-48 ice-chars (ALPHA / DIGIT / + / /).");
        }

        Span<byte> ascii = stackalloc byte[CredentialChars];
        int n = Encoding.ASCII.GetBytes(ufrag, ascii);
        n += Encoding.ASCII.GetBytes(password, ascii[n..]);
        return new SignalingBlob(role, setup, IceCredentialsKind.Explicit, fingerprint, default, ascii[..n], ufrag.Length, candidates, maxMessageSize);
    }

    /// <summary>True if a compact string can carry these credentials (lengths in range, only ice-chars).</summary>
    public static bool CanCarryCredentials(ReadOnlySpan<char> ufrag, ReadOnlySpan<char> password) =>
        ufrag.Length is >= IceCredentials.MinUfragLength and <= IceCredentials.MaxUfragLength
        && password.Length is >= IceCredentials.MinPasswordLength and <= IceCredentials.MaxPasswordLength
        && IceCredentials.AreIceChars(ufrag)
        && IceCredentials.AreIceChars(password);

    /// <summary>Writes the ICE ufrag and returns its length (at most <see cref="IceCredentials.MaxUfragLength"/>).</summary>
    public int WriteIceUfrag(Span<char> destination)
    {
        if (CredentialsKind == IceCredentialsKind.DerivedFromSecret)
        {
            Span<char> pwd = stackalloc char[IceCredentials.DerivedPasswordLength];
            IceCredentials.Derive(_secret, destination, pwd);
            return IceCredentials.DerivedUfragLength;
        }

        ReadOnlySpan<byte> ascii = ((ReadOnlySpan<byte>)_credentials)[.._ufragLength];
        return Encoding.ASCII.GetChars(ascii, destination);
    }

    /// <summary>Writes the ICE pwd and returns its length (at most <see cref="IceCredentials.MaxPasswordLength"/>).</summary>
    public int WriteIcePassword(Span<char> destination)
    {
        if (CredentialsKind == IceCredentialsKind.DerivedFromSecret)
        {
            Span<char> ufrag = stackalloc char[IceCredentials.DerivedUfragLength];
            IceCredentials.Derive(_secret, ufrag, destination);
            return IceCredentials.DerivedPasswordLength;
        }

        ReadOnlySpan<byte> ascii = ((ReadOnlySpan<byte>)_credentials).Slice(_ufragLength, _passwordLength);
        return Encoding.ASCII.GetChars(ascii, destination);
    }

    /// <summary>The fingerprint as SDP writes it: 32 upper-case hex pairs joined by colons (allocates).</summary>
    public string FormatFingerprint() => FormatFingerprint(_fingerprint);

    /// <summary>Formats fingerprint bytes as upper-case hex pairs joined by colons (RFC 8122 §5).</summary>
    public static string FormatFingerprint(ReadOnlySpan<byte> fingerprint)
    {
        if (fingerprint.IsEmpty)
        {
            return string.Empty;
        }

        Span<char> chars = stackalloc char[(fingerprint.Length * 3) - 1];
        for (int i = 0; i < fingerprint.Length; i++)
        {
            if (i > 0)
            {
                chars[(i * 3) - 1] = ':';
            }

            fingerprint[i].TryFormat(chars[(i * 3)..], out _, "X2", CultureInfo.InvariantCulture);
        }

        return new string(chars);
    }

    /// <summary>The text form, e.g. <c>rs1…</c> (allocates the string only).</summary>
    public string Encode()
    {
        Span<char> text = stackalloc char[MaxTextLength];
        TryEncode(text, out int written);
        return new string(text[..written]);
    }

    /// <summary>Writes the text form without allocating; false if <paramref name="destination"/> is shorter than <see cref="EncodedLength"/>.</summary>
    public bool TryEncode(Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        Span<byte> payload = stackalloc byte[MaxPayloadLength];
        int length = WritePayload(payload);
        int bodyChars = Base62Blocks.EncodedLength(length);
        int total = Prefix.Length + bodyChars + ChecksumChars;
        if (destination.Length < total)
        {
            return false;
        }

        Prefix.CopyTo(destination);
        Base62Blocks.Encode(payload[..length], destination.Slice(Prefix.Length, bodyChars));
        uint crc = Crc32.OfAscii(destination[..(Prefix.Length + bodyChars)]);
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        Base62Blocks.Encode(crcBytes, destination.Slice(Prefix.Length + bodyChars, ChecksumChars));
        charsWritten = total;
        return true;
    }

    /// <summary>
    /// Reads a signaling string. Leading and trailing whitespace is ignored; anything else that is
    /// wrong yields a result other than <see cref="SignalingDecodeResult.Ok"/> and a message naming it.
    /// Never throws on input.
    /// </summary>
    public static SignalingDecodeResult TryDecode(ReadOnlySpan<char> text, out SignalingBlob blob, out string error)
    {
        SignalingDecodeError e = Decode(text, out blob);
        error = e.Result == SignalingDecodeResult.Ok ? string.Empty : e.ToString();
        return e.Result;
    }

    /// <summary>
    /// Reads a signaling string without allocating, even on error: the returned value says what is
    /// wrong (its <see cref="SignalingDecodeError.ToString"/> is the message). Never throws on input.
    /// </summary>
    public static SignalingDecodeError Decode(ReadOnlySpan<char> text, out SignalingBlob blob)
    {
        blob = default;
        int start = 0;
        while (start < text.Length && IsSpace(text[start]))
        {
            start++;
        }

        int end = text.Length;
        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        ReadOnlySpan<char> s = text[start..end];
        if (s.IsEmpty)
        {
            return new(SignalingDecodeResult.Empty);
        }

        if (s.Length > MaxTextLength)
        {
            return new(SignalingDecodeResult.TooLong, Expected: MaxTextLength, Actual: s.Length);
        }

        if (s[0] != 'r' || (s.Length > 1 && s[1] != 's'))
        {
            return new(SignalingDecodeResult.BadPrefix);
        }

        if (s.Length < Prefix.Length)
        {
            return new(SignalingDecodeResult.TooShort, Expected: MinTextLength, Actual: s.Length);
        }

        if (s[2] != (char)('0' + FormatVersion))
        {
            return new(SignalingDecodeResult.UnsupportedVersion, Character: s[2]);
        }

        for (int i = Prefix.Length; i < s.Length; i++)
        {
            if (Base62Blocks.DigitValue(s[i]) < 0)
            {
                return new(SignalingDecodeResult.InvalidCharacter, Position: start + i + 1, Character: s[i]);
            }
        }

        ReadOnlySpan<char> body = s.Length >= Prefix.Length + ChecksumChars ? s[Prefix.Length..^ChecksumChars] : default;

        // The first byte is the payload length, and the first group survives any truncation that
        // keeps it whole: a cut-off string is named as such before anything else is checked.
        if (body.Length >= Base62Blocks.BlockChars
            && Base62Blocks.TryDecodeGroup(body[..Base62Blocks.BlockChars], 8, out ulong first))
        {
            int announced = (int)(first >> 56);
            int expectedChars = Prefix.Length + Base62Blocks.EncodedLength(announced) + ChecksumChars;
            if (expectedChars > s.Length)
            {
                return new(SignalingDecodeResult.Truncated, Expected: expectedChars, Actual: s.Length);
            }

            if (expectedChars < s.Length)
            {
                return new(SignalingDecodeResult.ExtraCharacters, Expected: expectedChars, Actual: s.Length);
            }
        }

        if (s.Length < MinTextLength)
        {
            return new(SignalingDecodeResult.TooShort, Expected: MinTextLength, Actual: s.Length);
        }

        int payloadLength = Base62Blocks.DecodedLength(body.Length);
        if (payloadLength < 0)
        {
            return new(SignalingDecodeResult.BadLength, Actual: s.Length);
        }

        Span<byte> payload = stackalloc byte[(MaxTextLength / Base62Blocks.BlockChars * 8) + 8];
        payload = payload[..payloadLength];
        int badGroup = Base62Blocks.Decode(body, payload);
        if (badGroup >= 0)
        {
            return new(SignalingDecodeResult.InvalidGroup, Position: start + Prefix.Length + badGroup + 1);
        }

        if (payload[0] != payloadLength)
        {
            // Only reachable when the first group is shorter than a block, i.e. never for a
            // string of valid length; kept so the check does not depend on that arithmetic.
            return new(SignalingDecodeResult.LengthMismatch, Expected: payload[0], Actual: payloadLength);
        }

        if (!Base62Blocks.TryDecodeGroup(s[^ChecksumChars..], 4, out ulong checksum))
        {
            return new(SignalingDecodeResult.InvalidGroup, Position: start + s.Length - ChecksumChars + 1);
        }

        if ((uint)checksum != Crc32.OfAscii(s[..^ChecksumChars]))
        {
            return new(SignalingDecodeResult.ChecksumMismatch);
        }

        return ReadPayload(payload, out blob);
    }

    /// <inheritdoc/>
    public bool Equals(SignalingBlob other)
    {
        if (Role != other.Role || Setup != other.Setup || CredentialsKind != other.CredentialsKind
            || MaxMessageSize != other.MaxMessageSize
            || !Fingerprint.SequenceEqual(other.Fingerprint)
            || !Candidates.SequenceEqual(other.Candidates))
        {
            return false;
        }

        return CredentialsKind == IceCredentialsKind.DerivedFromSecret
            ? Secret.SequenceEqual(other.Secret)
            : _ufragLength == other._ufragLength
                && ((ReadOnlySpan<byte>)_credentials)[..(_ufragLength + _passwordLength)]
                    .SequenceEqual(((ReadOnlySpan<byte>)other._credentials)[..(other._ufragLength + other._passwordLength)]);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SignalingBlob other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Role, Setup, CredentialsKind, BinaryPrimitives.ReadInt64LittleEndian(Fingerprint), _candidateCount);

    /// <summary>A one-line summary for logs.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Role == SignalingRole.Offer ? "offer" : "answer")} setup={Setup} ufrag={IceUfrag} candidates={_candidateCount} fingerprint={FormatFingerprint()[..11]}…");

    public static bool operator ==(SignalingBlob left, SignalingBlob right) => left.Equals(right);

    public static bool operator !=(SignalingBlob left, SignalingBlob right) => !left.Equals(right);

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static void CheckCommon(SignalingRole role, DtlsSetup setup, ReadOnlySpan<byte> fingerprint, ReadOnlySpan<SignalingCandidate> candidates)
    {
        if ((uint)role > (uint)SignalingRole.Answer || (uint)setup > (uint)DtlsSetup.Passive)
        {
            ThrowArgument("Undefined role or setup value.");
        }

        if (fingerprint.Length != FingerprintLength)
        {
            ThrowArgument("The fingerprint is a 32-byte SHA-256 digest.");
        }

        if (candidates.Length > MaxCandidates)
        {
            ThrowArgument("A signaling string carries at most 7 candidates.");
        }

        foreach (SignalingCandidate c in candidates)
        {
            if (c.Port == 0)
            {
                ThrowArgument("A candidate needs a port (default(SignalingCandidate) is not a candidate).");
            }
        }
    }

    //   length | flags | fingerprint | credentials | [mms] | candidates   (see the file header)
    private int WritePayload(Span<byte> p)
    {
        int flags = (int)Role | ((int)Setup << 1) | ((int)CredentialsKind << 3) | (_candidateCount << 4) | (_hasMaxMessageSize ? 0x80 : 0);
        p[1] = (byte)flags;
        int o = HeaderLength;
        Fingerprint.CopyTo(p[o..]);
        o += FingerprintLength;
        if (CredentialsKind == IceCredentialsKind.DerivedFromSecret)
        {
            Secret.CopyTo(p[o..]);
            o += IceCredentials.SecretLength;
        }
        else
        {
            p[o++] = _ufragLength;
            p[o++] = _passwordLength;
            int n = _ufragLength + _passwordLength;
            Span<char> chars = stackalloc char[CredentialChars];
            Encoding.ASCII.GetChars(((ReadOnlySpan<byte>)_credentials)[..n], chars);
            IceCredentials.PackIceChars(chars[..n], p[o..]);
            o += IceCredentials.PackedLength(n);
        }

        if (_hasMaxMessageSize)
        {
            BinaryPrimitives.WriteUInt32BigEndian(p[o..], _maxMessageSize);
            o += 4;
        }

        foreach (SignalingCandidate c in Candidates)
        {
            p[o++] = (byte)((int)c.Type | (c.IsIPv6 ? 0x04 : 0));
            o += c.WriteAddress(p[o..]);
            BinaryPrimitives.WriteUInt16BigEndian(p[o..], c.Port);
            o += 2;
        }

        p[0] = (byte)o;
        return o;
    }

    // Parses a payload whose length byte and checksum were verified; every read is bounds-checked
    // against the payload so a forged string (valid CRC, bad fields) still yields a typed error.
    private static SignalingDecodeError ReadPayload(ReadOnlySpan<byte> p, out SignalingBlob blob)
    {
        blob = default;
        int flags = p[1];
        var role = (SignalingRole)(flags & 1);
        int setupValue = (flags >> 1) & 3;
        if (setupValue > (int)DtlsSetup.Passive)
        {
            return new(SignalingDecodeResult.BadHeader, Actual: setupValue);
        }

        var kind = (IceCredentialsKind)((flags >> 3) & 1);
        int count = (flags >> 4) & 7;
        bool hasMms = (flags & 0x80) != 0;
        int o = HeaderLength;
        ReadOnlySpan<byte> fingerprint = p.Slice(o, FingerprintLength);
        o += FingerprintLength;

        ReadOnlySpan<byte> secret = default;
        Span<byte> ascii = stackalloc byte[CredentialChars];
        int ufragLength = 0;
        int credentialLength = 0;
        if (kind == IceCredentialsKind.DerivedFromSecret)
        {
            secret = p.Slice(o, IceCredentials.SecretLength);
            o += IceCredentials.SecretLength;
        }
        else
        {
            if (p.Length < o + 2)
            {
                return new(SignalingDecodeResult.LengthMismatch, Expected: p.Length, Actual: o + 2);
            }

            ufragLength = p[o++];
            int passwordLength = p[o++];
            if (ufragLength is < IceCredentials.MinUfragLength or > IceCredentials.MaxUfragLength)
            {
                return new(SignalingDecodeResult.BadCredentials, Position: 1, Actual: ufragLength);
            }

            if (passwordLength is < IceCredentials.MinPasswordLength or > IceCredentials.MaxPasswordLength)
            {
                return new(SignalingDecodeResult.BadCredentials, Position: 2, Actual: passwordLength);
            }

            credentialLength = ufragLength + passwordLength;
            int packed = IceCredentials.PackedLength(credentialLength);
            if (p.Length < o + packed)
            {
                return new(SignalingDecodeResult.LengthMismatch, Expected: p.Length, Actual: o + packed);
            }

            Span<char> chars = stackalloc char[CredentialChars];
            if (!IceCredentials.UnpackIceChars(p.Slice(o, packed), chars[..credentialLength]))
            {
                return new(SignalingDecodeResult.BadCredentials, Position: 3);
            }

            for (int i = 0; i < credentialLength; i++)
            {
                ascii[i] = (byte)chars[i];
            }

            o += packed;
        }

        uint? mms = null;
        if (hasMms)
        {
            if (p.Length < o + 4)
            {
                return new(SignalingDecodeResult.LengthMismatch, Expected: p.Length, Actual: o + 4);
            }

            mms = BinaryPrimitives.ReadUInt32BigEndian(p[o..]);
            o += 4;
        }

        CandidateArray candidates = default;
        for (int i = 0; i < count; i++)
        {
            if (o >= p.Length)
            {
                return new(SignalingDecodeResult.BadCandidateCount, Expected: count, Actual: i);
            }

            int candidateKind = p[o];
            if ((candidateKind & 0xF8) != 0)
            {
                return new(SignalingDecodeResult.BadCandidate, Position: i + 1, Actual: candidateKind);
            }

            int addressLength = (candidateKind & 0x04) != 0 ? 16 : 4;
            if (p.Length < o + 1 + addressLength + 2)
            {
                return new(SignalingDecodeResult.BadCandidateCount, Expected: count, Actual: i);
            }

            ushort port = BinaryPrimitives.ReadUInt16BigEndian(p[(o + 1 + addressLength)..]);
            if (port == 0)
            {
                return new(SignalingDecodeResult.BadCandidate, Position: i + 1, Actual: 0);
            }

            candidates[i] = new SignalingCandidate((IceCandidateType)(candidateKind & 3), p.Slice(o + 1, addressLength), port);
            o += 1 + addressLength + 2;
        }

        if (o != p.Length)
        {
            return new(SignalingDecodeResult.LengthMismatch, Expected: p.Length, Actual: o);
        }

        blob = new SignalingBlob(
            role,
            (DtlsSetup)setupValue,
            kind,
            fingerprint,
            secret,
            ascii[..credentialLength],
            ufragLength,
            ((ReadOnlySpan<SignalingCandidate>)candidates)[..count],
            mms);
        return new(SignalingDecodeResult.Ok);
    }

    [DoesNotReturn]
    private static void ThrowArgument(string message) => throw new ArgumentException(message);

    [InlineArray(FingerprintLength)]
    private struct FingerprintBytes
    {
        private byte _element;
    }

    [InlineArray(IceCredentials.SecretLength)]
    private struct SecretBytes
    {
        private byte _element;
    }

    [InlineArray(CredentialChars)]
    private struct CredentialBytes
    {
        private byte _element;
    }

    [InlineArray(MaxCandidates)]
    private struct CandidateArray
    {
        private SignalingCandidate _element;
    }
}
