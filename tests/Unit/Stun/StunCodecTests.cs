using System.Buffers.Binary;
using System.Net;
using RtcScamp.Transport.WebRtc.Stun;
using Xunit;

namespace RtcScamp.Tests.Stun;

public class StunCodecTests
{
    private static readonly byte[] s_key = "0123456789abcdefghijkl"u8.ToArray();
    private static readonly byte[] s_txid = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    private static byte[] BuildCheck(bool useCandidate = false, ushort extraType = 0, int errorCode = 0)
    {
        var buffer = new byte[512];
        ushort type = errorCode != 0 ? StunProtocol.BindingErrorResponse : StunProtocol.BindingRequest;
        var w = new StunWriter(buffer, type, s_txid);
        w.WriteUsername("abcd"u8, "wxyz"u8);
        w.WritePriority(0x7E00_1EFF);
        w.WriteIceControlling(0x0102_0304_0506_0708);
        if (useCandidate)
        {
            w.WriteUseCandidate();
        }

        if (extraType != 0)
        {
            w.WriteAttribute(extraType, [9, 9, 9]);
        }

        if (errorCode != 0)
        {
            w.WriteErrorCode(errorCode, "Role Conflict"u8);
        }

        w.WriteMessageIntegrity(s_key);
        w.WriteFingerprint();
        return buffer.AsSpan(0, w.Length).ToArray();
    }

    [Fact]
    public void Message_type_encoding_round_trips()
    {
        Assert.Equal(StunProtocol.BindingRequest, StunProtocol.MessageType(1, StunClass.Request));
        Assert.Equal(StunProtocol.BindingIndication, StunProtocol.MessageType(1, StunClass.Indication));
        Assert.Equal(StunProtocol.BindingSuccessResponse, StunProtocol.MessageType(1, StunClass.SuccessResponse));
        Assert.Equal(StunProtocol.BindingErrorResponse, StunProtocol.MessageType(1, StunClass.ErrorResponse));
        for (ushort method = 0; method < 0x1000; method += 7)
        {
            foreach (StunClass c in Enum.GetValues<StunClass>())
            {
                ushort t = StunProtocol.MessageType(method, c);
                Assert.Equal(method, StunProtocol.MethodOf(t));
                Assert.Equal(c, StunProtocol.ClassOf(t));
            }
        }
    }

    [Fact]
    public void Ice_attributes_round_trip()
    {
        byte[] bytes = BuildCheck(useCandidate: true);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(bytes, out StunMessage m));
        Assert.Equal(0x7E001EFFu, m.Priority);
        Assert.Equal(0x0102030405060708UL, m.IceControlling);
        Assert.True(m.HasUseCandidate);
        Assert.True(m.VerifyIntegrity(s_key));
        Assert.Equal(s_txid, m.TransactionId.ToArray());
        Assert.True(m.UsernameStartsWithUfrag("abcd"u8));
    }

    [Fact]
    public void Error_code_487_round_trips()
    {
        byte[] bytes = BuildCheck(errorCode: 487);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(bytes, out StunMessage m));
        Assert.Equal(StunClass.ErrorResponse, m.Class);
        Assert.Equal(487, m.ErrorCode);
        Assert.Equal("Role Conflict"u8.ToArray(), m.ErrorReason.ToArray());
    }

    [Fact]
    public void Unknown_optional_attribute_is_ignored_and_required_one_reported()
    {
        byte[] optional = BuildCheck(extraType: 0xC057);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(optional, out StunMessage m1));
        Assert.False(m1.HasUnknownRequiredAttribute);
        Assert.True(m1.VerifyIntegrity(s_key));

        byte[] required = BuildCheck(extraType: 0x0042);
        Assert.Equal(StunParseError.None, StunMessage.TryParse(required, out StunMessage m2));
        Assert.True(m2.HasUnknownRequiredAttribute);
        Assert.Equal(0x0042, m2.UnknownRequiredAttribute);
    }

    [Fact]
    public void Tampered_body_fails_fingerprint_and_integrity()
    {
        byte[] bytes = BuildCheck();
        bytes[30] ^= 0x01; // inside PRIORITY
        Assert.Equal(StunParseError.BadFingerprint, StunMessage.TryParse(bytes, out _));

        // Without FINGERPRINT the integrity check is what catches it.
        byte[] noFp = bytes.AsSpan(0, bytes.Length - 8).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(noFp.AsSpan(2), (ushort)(noFp.Length - 20));
        Assert.Equal(StunParseError.None, StunMessage.TryParse(noFp, out StunMessage m));
        Assert.False(m.VerifyIntegrity(s_key));
    }

    [Fact]
    public void Malformed_headers_are_typed()
    {
        byte[] good = BuildCheck();
        Assert.Equal(StunParseError.TooShort, StunMessage.TryParse(good.AsSpan(0, 19), out _));
        Assert.Equal(StunParseError.LengthMismatch, StunMessage.TryParse(good.AsSpan(0, good.Length - 4), out _));

        byte[] notStun = (byte[])good.Clone();
        notStun[0] = 0x80;
        Assert.Equal(StunParseError.NotStun, StunMessage.TryParse(notStun, out _));

        byte[] cookie = (byte[])good.Clone();
        cookie[4] = 0;
        Assert.Equal(StunParseError.BadMagicCookie, StunMessage.TryParse(cookie, out _));

        byte[] unaligned = (byte[])good.Clone();
        unaligned[3] |= 1;
        Assert.Equal(StunParseError.UnalignedLength, StunMessage.TryParse(unaligned, out _));

        Assert.Equal(StunParseError.TooLong, StunMessage.TryParse(new byte[StunProtocol.MaxMessageSize + 4], out _));
    }

    [Fact]
    public void Truncated_attribute_and_bad_lengths_are_typed()
    {
        // Header + one attribute claiming 8 bytes of value with only 4 present.
        byte[] m = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(m, StunProtocol.BindingRequest);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), 8);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), StunProtocol.MagicCookie);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(20), StunAttributeType.Priority);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(22), 8);
        Assert.Equal(StunParseError.AttributeTruncated, StunMessage.TryParse(m, out _));

        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(22), 3);
        Assert.Equal(StunParseError.BadAttributeLength, StunMessage.TryParse(m, out _));
    }

    [Fact]
    public void Attribute_count_is_bounded()
    {
        var buffer = new byte[1024];
        var w = new StunWriter(buffer, StunProtocol.BindingRequest, s_txid);
        for (int i = 0; i <= StunProtocol.MaxAttributes; i++)
        {
            w.WriteAttribute(0x8050, default);
        }

        Assert.Equal(StunParseError.TooManyAttributes, StunMessage.TryParse(buffer.AsSpan(0, w.Length), out _));
    }

    [Fact]
    public void Attributes_after_integrity_are_ignored_but_after_fingerprint_rejected()
    {
        var buffer = new byte[512];
        var w = new StunWriter(buffer, StunProtocol.BindingRequest, s_txid);
        w.WriteUsername("abcd"u8, "wxyz"u8);
        w.WriteMessageIntegrity(s_key);
        w.WritePriority(5); // ignored: follows MESSAGE-INTEGRITY
        Assert.Equal(StunParseError.None, StunMessage.TryParse(buffer.AsSpan(0, w.Length), out StunMessage m));
        Assert.False(m.HasPriority);
        Assert.True(m.VerifyIntegrity(s_key));

        var w2 = new StunWriter(buffer, StunProtocol.BindingRequest, s_txid);
        w2.WriteFingerprint();
        w2.WritePriority(5);
        Assert.Equal(StunParseError.AttributeAfterFingerprint, StunMessage.TryParse(buffer.AsSpan(0, w2.Length), out _));
    }

    [Fact]
    public void Xor_mapped_address_round_trips_both_families()
    {
        foreach (string text in new[] { "10.99.0.2", "2001:db8::1", "::1", "255.255.255.255" })
        {
            var endPoint = new IPEndPoint(IPAddress.Parse(text), 54321);
            var buffer = new byte[128];
            var w = new StunWriter(buffer, StunProtocol.BindingSuccessResponse, s_txid);
            w.WriteXorMappedAddress(endPoint);
            Assert.Equal(StunParseError.None, StunMessage.TryParse(buffer.AsSpan(0, w.Length), out StunMessage m));
            Assert.Equal(endPoint, m.GetXorMappedEndPoint());
        }
    }

    [Fact]
    public void Writer_rejects_a_buffer_too_small()
    {
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new StunWriter(new byte[24], StunProtocol.BindingRequest, s_txid);
            w.WritePriority(1);
            w.WritePriority(2);
        });
    }
}

public class StunAllocationTests
{
    [Fact]
    public void Parse_verify_and_build_allocate_nothing()
    {
        byte[] key = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();
        byte[] request = StunVectorTests.SampleRequest;
        var response = new byte[StunProtocol.MaxMessageSize];
        var peer = new IPEndPoint(IPAddress.Parse("2001:db8::5"), 3478);

        int Work()
        {
            int ok = 0;
            if (StunMessage.TryParse(request, out StunMessage m) == StunParseError.None && m.VerifyIntegrity(key))
            {
                ok++;
            }

            var w = new StunWriter(response, StunProtocol.BindingSuccessResponse, m.TransactionId);
            w.WriteXorMappedAddress(peer);
            w.WriteMessageIntegrity(key);
            w.WriteFingerprint();
            return ok + w.Length;
        }

        Work(); // JIT and one-time crypto initialisation
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 100; i++)
        {
            sum += Work();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(sum > 0);
        Assert.Equal(0, allocated);
    }
}
