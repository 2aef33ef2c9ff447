using System.Net;
using System.Text;
using RtcScamp.Transport.WebRtc.Stun;
using RtcScamp.Wire.Checksums;
using Xunit;

namespace RtcScamp.Tests.Stun;

/// <summary>
/// RFC 5769 test vectors §2.1–2.3 (short-term credentials). §2.4 (long-term credentials, SASLprep'd
/// username and MD5 key) is skipped: ICE uses short-term credentials only and this codec does not
/// implement the long-term mechanism.
/// </summary>
public class StunVectorTests
{
    private static readonly byte[] s_password = Encoding.ASCII.GetBytes("VOkJxbRl1RmTxUk/WvJxBt");

    // RFC 5769 §2.1 sample request (padding bytes are 0x20 in the RFC).
    internal static readonly byte[] SampleRequest = Convert.FromHexString(
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff" +
        "80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249" +
        "c1b571a280280004e57a3bcf");

    // RFC 5769 §2.2 sample IPv4 response.
    internal static readonly byte[] SampleIPv4Response = Convert.FromHexString(
        "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643" +
        "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96");

    // RFC 5769 §2.3 sample IPv6 response.
    internal static readonly byte[] SampleIPv6Response = Convert.FromHexString(
        "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9fa" +
        "a5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c");

    [Fact]
    public void Crc32_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    [Fact]
    public void Sample_request_parses_and_verifies()
    {
        Assert.Equal(StunParseError.None, StunMessage.TryParse(SampleRequest, out StunMessage m));
        Assert.Equal(StunClass.Request, m.Class);
        Assert.Equal(1, m.Method);
        Assert.Equal("evtj:h6vY", Encoding.ASCII.GetString(m.Username));
        Assert.Equal(0x6e0001ffu, m.Priority);
        Assert.True(m.HasIceControlled);
        Assert.Equal(0x932ff9b151263b36UL, m.IceControlled);
        Assert.False(m.HasIceControlling);
        Assert.False(m.HasUseCandidate);
        Assert.True(m.HasFingerprint);
        Assert.True(m.VerifyIntegrity(s_password));
        Assert.False(m.VerifyIntegrity("VOkJxbRl1RmTxUk/WvJxBT"u8));
        Assert.True(m.UsernameStartsWithUfrag("evtj"u8));
        Assert.False(m.UsernameStartsWithUfrag("h6vY"u8));
    }

    [Fact]
    public void Sample_ipv4_response_parses_and_verifies()
    {
        Assert.Equal(StunParseError.None, StunMessage.TryParse(SampleIPv4Response, out StunMessage m));
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        Assert.True(m.VerifyIntegrity(s_password));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), m.GetXorMappedEndPoint());
    }

    [Fact]
    public void Sample_ipv6_response_parses_and_verifies()
    {
        Assert.Equal(StunParseError.None, StunMessage.TryParse(SampleIPv6Response, out StunMessage m));
        Assert.True(m.VerifyIntegrity(s_password));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), m.GetXorMappedEndPoint());
    }

    [Fact]
    public void Writer_reproduces_sample_request_except_padding()
    {
        // Same attributes in the same order; our padding is zeros, so MI and FP differ from the RFC's
        // bytes but must verify, and every non-padding byte before MI must match.
        Span<byte> buffer = stackalloc byte[256];
        var w = new StunWriter(buffer, StunProtocol.BindingRequest, SampleRequest.AsSpan(8, 12));
        w.WriteAttribute(StunAttributeType.Software, "STUN test client"u8);
        w.WritePriority(0x6e0001ff);
        w.WriteIceControlled(0x932ff9b151263b36);
        w.WriteUsername("evtj"u8, "h6vY"u8);
        w.WriteMessageIntegrity(s_password);
        w.WriteFingerprint();
        Assert.Equal(SampleRequest.Length, w.Length);
        byte[] built = w.Written.ToArray();
        Assert.Equal(SampleRequest.AsSpan(0, 72).ToArray(), built.AsSpan(0, 72).ToArray()); // through "evtj:h6vY"
        Assert.Equal(StunParseError.None, StunMessage.TryParse(built, out StunMessage m));
        Assert.True(m.VerifyIntegrity(s_password));
    }

    [Fact]
    public void Writer_reproduces_ipv4_response_xor_address()
    {
        Span<byte> buffer = stackalloc byte[256];
        var w = new StunWriter(buffer, StunProtocol.BindingSuccessResponse, SampleIPv4Response.AsSpan(8, 12));
        w.WriteAttribute(StunAttributeType.Software, "test vector"u8);
        w.WriteXorMappedAddress(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853));
        // XOR-MAPPED-ADDRESS bytes are identical to the RFC's (offset 36..48).
        Assert.Equal(SampleIPv4Response.AsSpan(36, 12).ToArray(), w.Written.Slice(36, 12).ToArray());
    }

    [Fact]
    public void Writer_reproduces_ipv6_response_xor_address()
    {
        Span<byte> buffer = stackalloc byte[256];
        var w = new StunWriter(buffer, StunProtocol.BindingSuccessResponse, SampleIPv6Response.AsSpan(8, 12));
        w.WriteAttribute(StunAttributeType.Software, "test vector"u8);
        w.WriteXorMappedAddress(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
        Assert.Equal(SampleIPv6Response.AsSpan(36, 24).ToArray(), w.Written.Slice(36, 24).ToArray());
    }
}
