using RtcScamp.Wire.Checksums;
using RtcScamp.Wire.Signaling;
using Xunit;

namespace RtcScamp.Tests.Signaling;

public class SignalingBlobTests
{
    // Characters a substitution may put in: the whole alphabet plus what pastes and mail clients produce.
    private static readonly string s_substitutes = Base62Blocks.Alphabet + "-_+/=.:; \t\r\n'\"`~!@#$%^&*()[]{}<>?,|\\\u00a0\u2013\u00e9\u0000";

    [Fact]
    public void Host_and_srflx_ipv4_offer_is_at_most_100_characters()
    {
        string text = SignalingSamples.HostSrflxOffer().Encode();
        Assert.True(text.Length <= 100, $"{text.Length} characters: {text}");
        Assert.Equal(97, text.Length);
        Assert.StartsWith("rs1", text, StringComparison.Ordinal);
        Assert.All(text, c => Assert.True(char.IsAsciiLetterOrDigit(c)));
    }

    [Fact]
    public void Documented_lengths_hold()
    {
        Assert.Equal(78, SignalingBlob.MinTextLength);
        Assert.Equal(78, SignalingBlob.WithSecret(SignalingRole.Offer, DtlsSetup.ActPass, new byte[32], new byte[16], []).Encode().Length);
        SignalingCandidate v6 = SignalingCandidate.FromIPAddress(IceCandidateType.Host, System.Net.IPAddress.Parse("2001:db8::10"), 50001);
        Assert.Equal(124, SignalingBlob.WithSecret(SignalingRole.Offer, DtlsSetup.ActPass, new byte[32], new byte[16], [SignalingSamples.Host, SignalingSamples.Srflx, v6]).Encode().Length);
    }

    [Fact]
    public void Golden_string_pins_the_format()
    {
        // Computed independently (Python: hashlib/zlib and a separate base62 writer), see docs/signaling.md.
        const string golden = "rs15VKycegbDGK19vkTTPAsJpAgLiHliZksII4VpN7Iahw6FV5TftN4SQP0W5D8KHSTxV1CpgSJPkvPH6rsFYKSWQJ63WJfaW";
        Assert.Equal(golden, SignalingSamples.HostSrflxOffer().Encode());
    }

    [Fact]
    public void Offer_round_trips_with_every_field()
    {
        SignalingBlob blob = SignalingSamples.HostSrflxOffer();
        string text = blob.Encode();
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(text, out SignalingBlob back, out string error));
        Assert.Equal(string.Empty, error);
        Assert.Equal(blob, back);
        Assert.Equal(SignalingRole.Offer, back.Role);
        Assert.Equal(DtlsSetup.ActPass, back.Setup);
        Assert.Equal(IceCredentialsKind.DerivedFromSecret, back.CredentialsKind);
        Assert.Equal(SignalingSamples.Fingerprint, back.Fingerprint.ToArray());
        Assert.Equal(SignalingSamples.Secret, back.Secret.ToArray());
        Assert.Equal([SignalingSamples.Host, SignalingSamples.Srflx], back.Candidates.ToArray());
        Assert.Null(back.MaxMessageSize);
        Assert.Equal("host 192.0.2.10:50000", back.Candidates[0].ToString());
        Assert.Equal("srflx 198.51.100.7:61000", back.Candidates[1].ToString());
    }

    [Fact]
    public void Explicit_answer_round_trips()
    {
        SignalingBlob blob = SignalingSamples.ExplicitAnswer();
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(blob.Encode(), out SignalingBlob back, out _));
        Assert.Equal(blob, back);
        Assert.Equal("pVur", back.IceUfrag);
        Assert.Equal("L75vufVF31PIdelogd7nJ2cO", back.IcePassword);
        Assert.Equal(1073741823u, back.MaxMessageSize);
        Assert.Equal(DtlsSetup.Active, back.Setup);
        Assert.Equal("host [2001:db8::1]:9", back.Candidates[0].ToString());
    }

    [Fact]
    public void Derived_credentials_match_an_independent_computation()
    {
        // SHA-256("RtcScamp ICE v1\0" || 00..0f) split into ice-chars, computed with Python's hashlib.
        (string ufrag, string pwd) = IceCredentials.Derive(SignalingSamples.Secret);
        Assert.Equal("rgyon6RR", ufrag);
        Assert.Equal("aNVyguGSWburIvFTwNvR+URq", pwd);
        SignalingBlob blob = SignalingSamples.HostSrflxOffer();
        Assert.Equal(ufrag, blob.IceUfrag);
        Assert.Equal(pwd, blob.IcePassword);
    }

    [Fact]
    public void Derived_credentials_satisfy_rfc_8839_lengths()
    {
        (string ufrag, string pwd) = IceCredentials.Derive(new byte[16]);
        Assert.InRange(ufrag.Length, 4, 256);
        Assert.InRange(pwd.Length, 22, 256);
        Assert.True(IceCredentials.AreIceChars(ufrag));
        Assert.True(IceCredentials.AreIceChars(pwd));
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.OfAscii("123456789"));
    }

    [Fact]
    public void Every_single_character_substitution_is_detected_exhaustively()
    {
        foreach (SignalingBlob blob in new[] { SignalingSamples.HostSrflxOffer(), SignalingSamples.ExplicitAnswer(), SignalingBlob.WithSecret(SignalingRole.Answer, DtlsSetup.Passive, new byte[32], new byte[16], []) })
        {
            string text = blob.Encode();
            var chars = text.ToCharArray();
            int tried = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char original = chars[i];
                foreach (char c in s_substitutes)
                {
                    if (c == original)
                    {
                        continue;
                    }

                    chars[i] = c;
                    SignalingDecodeResult result = SignalingBlob.Decode(chars, out _).Result;
                    Assert.True(result != SignalingDecodeResult.Ok, $"'{original}'->'{c}' at {i} of {text} was not detected");
                    tried++;
                }

                chars[i] = original;
            }

            Assert.True(tried > chars.Length * 60);
        }
    }

    [Fact]
    public void Every_truncation_is_detected()
    {
        string text = SignalingSamples.ExplicitAnswer().Encode();
        for (int n = 0; n < text.Length; n++)
        {
            SignalingDecodeError e = SignalingBlob.Decode(text.AsSpan(0, n), out _);
            Assert.NotEqual(SignalingDecodeResult.Ok, e.Result);
            if (n >= 3 + 11 + 6)
            {
                Assert.Equal(SignalingDecodeResult.Truncated, e.Result);
                Assert.Equal($"truncated: expected {text.Length} characters, got {n}", e.ToString());
            }
        }
    }

    [Fact]
    public void Surrounding_whitespace_is_ignored()
    {
        string text = SignalingSamples.HostSrflxOffer().Encode();
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode($"  \r\n{text}\n ", out SignalingBlob back, out _));
        Assert.Equal(SignalingSamples.HostSrflxOffer(), back);
    }

    [Theory]
    [InlineData("", SignalingDecodeResult.Empty, "the signaling string is empty")]
    [InlineData("   ", SignalingDecodeResult.Empty, "the signaling string is empty")]
    [InlineData("hello world", SignalingDecodeResult.BadPrefix, "not a signaling string: it must start with 'rs1'")]
    [InlineData("rs", SignalingDecodeResult.TooShort, "truncated: got 2 characters, a signaling string has at least 78")]
    [InlineData("rs2abc", SignalingDecodeResult.UnsupportedVersion, "unsupported format version '2': this build reads version 1 ('rs1...')")]
    [InlineData("rs1abc-def", SignalingDecodeResult.InvalidCharacter, "invalid character '-' at position 7: only letters and digits are allowed after 'rs1'")]
    [InlineData("rs1abc", SignalingDecodeResult.TooShort, "truncated: got 6 characters, a signaling string has at least 78")]
    public void Errors_name_what_is_wrong(string text, SignalingDecodeResult expected, string message)
    {
        Assert.Equal(expected, SignalingBlob.TryDecode(text, out _, out string error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void Invalid_character_position_counts_from_the_pasted_text()
    {
        string text = "  " + SignalingSamples.HostSrflxOffer().Encode();
        text = text[..40] + "\u00e9" + text[41..];
        Assert.Equal(SignalingDecodeResult.InvalidCharacter, SignalingBlob.TryDecode(text, out _, out string error));
        Assert.Equal("invalid character U+00E9 at position 41: only letters and digits are allowed after 'rs1'", error);
    }

    [Fact]
    public void A_changed_character_is_a_checksum_mismatch()
    {
        char[] text = SignalingSamples.HostSrflxOffer().Encode().ToCharArray();
        text[60] = text[60] == 'a' ? 'b' : 'a';
        Assert.Equal(SignalingDecodeResult.ChecksumMismatch, SignalingBlob.TryDecode(text, out _, out string error));
        Assert.StartsWith("checksum mismatch", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Swapped_neighbours_are_detected()
    {
        string text = SignalingSamples.ExplicitAnswer().Encode();
        for (int i = 3; i < text.Length - 1; i++)
        {
            if (text[i] == text[i + 1])
            {
                continue;
            }

            char[] chars = text.ToCharArray();
            (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
            Assert.NotEqual(SignalingDecodeResult.Ok, SignalingBlob.Decode(chars, out _).Result);
        }
    }

    [Fact]
    public void Extra_characters_are_named()
    {
        string text = SignalingSamples.HostSrflxOffer().Encode();
        Assert.Equal(SignalingDecodeResult.ExtraCharacters, SignalingBlob.TryDecode(text + "0000000000000000", out _, out string error));
        Assert.Equal($"extra characters: expected 97 characters, got {97 + 16}", error);
    }

    [Fact]
    public void Overlong_input_is_rejected_before_scanning()
    {
        string text = "rs1" + new string('A', 5000);
        Assert.Equal(SignalingDecodeResult.TooLong, SignalingBlob.TryDecode(text, out _, out string error));
        Assert.Equal("too long: 5003 characters (at most 400)", error);
    }

    [Fact]
    public void Forged_payload_with_reserved_setup_is_a_bad_header()
    {
        byte[] p = SignalingSamples.MinimalPayload();
        p[1] = 3 << 1;
        Assert.Equal(SignalingDecodeResult.BadHeader, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out string error));
        Assert.Equal("bad header: DTLS setup value 3 is reserved", error);
    }

    [Fact]
    public void Forged_payload_announcing_missing_candidates_is_a_bad_candidate_count()
    {
        byte[] p = SignalingSamples.MinimalPayload();
        p[1] = 2 << 4;
        Assert.Equal(SignalingDecodeResult.BadCandidateCount, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out string error));
        Assert.Equal("bad candidate count: the header announces 2 candidates, the payload holds 0", error);
    }

    [Fact]
    public void Forged_candidate_with_reserved_bits_or_port_zero_is_rejected()
    {
        byte[] p = [.. SignalingSamples.MinimalPayload(), 0x08, 192, 0, 2, 1, 0x13, 0x88];
        p[0] = (byte)p.Length;
        p[1] = 1 << 4;
        Assert.Equal(SignalingDecodeResult.BadCandidate, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out string error));
        Assert.Equal("bad candidate 1: reserved bits set in its kind byte 0x08", error);

        p[^7] = 0x00;
        p[^2] = 0;
        p[^1] = 0;
        Assert.Equal(SignalingDecodeResult.BadCandidate, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out error));
        Assert.Equal("bad candidate 1: port 0", error);
    }

    [Fact]
    public void Forged_trailing_bytes_are_a_length_mismatch()
    {
        byte[] p = [.. SignalingSamples.MinimalPayload(), 0xAA];
        p[0] = (byte)p.Length;
        Assert.Equal(SignalingDecodeResult.LengthMismatch, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out string error));
        Assert.Equal("payload length mismatch: the header says 51 bytes, the fields take 50", error);
    }

    [Fact]
    public void Forged_credential_lengths_are_rejected()
    {
        byte[] p = new byte[2 + 32 + 2 + 21];
        p[0] = (byte)p.Length;
        p[1] = 1 << 3;
        p[34] = 3;
        p[35] = 24;
        Assert.Equal(SignalingDecodeResult.BadCredentials, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out string error));
        Assert.Equal("bad ICE credentials: ufrag length 3 (allowed 4..32)", error);

        p[34] = 4;
        p[35] = 49;
        Assert.Equal(SignalingDecodeResult.BadCredentials, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out error));
        Assert.Equal("bad ICE credentials: pwd length 49 (allowed 22..48)", error);
    }

    [Fact]
    public void Forged_credentials_with_padding_bits_set_are_non_canonical()
    {
        // 4 + 23 = 27 ice-chars = 162 bits in 21 bytes: the last 6 bits are padding.
        byte[] p = new byte[2 + 32 + 2 + 21];
        p[0] = (byte)p.Length;
        p[1] = 1 << 3;
        p[34] = 4;
        p[35] = 23;
        p[^1] = 0x01;
        Assert.Equal(SignalingDecodeResult.BadCredentials, SignalingBlob.TryDecode(SignalingSamples.Forge(p), out _, out string error));
        Assert.Equal("bad ICE credentials: non-canonical packing (unused bits set)", error);
    }

    [Fact]
    public void Group_values_too_large_for_their_size_are_rejected()
    {
        // "zzzzzzzzzzz" is 62^11 - 1 > 2^64 - 1: no 8-byte block spells it.
        string text = SignalingSamples.HostSrflxOffer().Encode();
        string forged = text[..14] + "zzzzzzzzzzz" + text[25..];
        SignalingDecodeError e = SignalingBlob.Decode(forged, out _);
        Assert.Equal(SignalingDecodeResult.InvalidGroup, e.Result);
        Assert.Equal(15, e.Position);
    }

    [Fact]
    public void Decode_and_encode_allocate_nothing()
    {
        string text = SignalingSamples.ExplicitAnswer().Encode();
        string bad = text[..50];
        Span<char> buffer = stackalloc char[SignalingBlob.MaxTextLength];
        SignalingBlob blob = SignalingSamples.ExplicitAnswer();
        _ = SignalingBlob.Decode(text, out _);
        _ = SignalingBlob.Decode(bad, out _);
        _ = blob.TryEncode(buffer, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _ = SignalingBlob.Decode(text, out _);
            _ = SignalingBlob.Decode(bad, out _);
            _ = blob.TryEncode(buffer, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Caller_misuse_throws()
    {
        Assert.Throws<ArgumentException>(() => SignalingBlob.WithSecret(SignalingRole.Offer, DtlsSetup.ActPass, new byte[20], new byte[16], []));
        Assert.Throws<ArgumentException>(() => SignalingBlob.WithSecret(SignalingRole.Offer, DtlsSetup.ActPass, new byte[32], new byte[15], []));
        Assert.Throws<ArgumentException>(() => SignalingBlob.WithSecret(SignalingRole.Offer, DtlsSetup.ActPass, new byte[32], new byte[16], new SignalingCandidate[8].AsSpan()));
        Assert.Throws<ArgumentException>(() => SignalingBlob.WithCredentials(SignalingRole.Offer, DtlsSetup.ActPass, new byte[32], "abc", "0123456789012345678901", []));
        Assert.Throws<ArgumentException>(() => SignalingBlob.WithCredentials(SignalingRole.Offer, DtlsSetup.ActPass, new byte[32], "ab-d", "0123456789012345678901", []));
        Assert.Throws<ArgumentException>(() => new SignalingCandidate(IceCandidateType.Host, new byte[5], 1));
        Assert.Throws<ArgumentException>(() => new SignalingCandidate(IceCandidateType.Host, new byte[4], 0));
    }

    [Fact]
    public void Fingerprint_formats_as_sdp_writes_it()
    {
        Assert.Equal(
            "1E:8C:9C:3D:D8:20:0D:83:6D:5E:FF:69:92:85:7C:6E:AB:6D:CC:39:B7:E6:D2:81:4A:01:8F:AA:C6:1E:B4:8E",
            SignalingSamples.HostSrflxOffer().FormatFingerprint());
        Assert.Equal("1E:8C", SignalingBlob.FormatFingerprint([0x1E, 0x8C]));
        Assert.Equal(string.Empty, SignalingBlob.FormatFingerprint([]));
    }
}
