using System.Buffers;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;
using Xunit;

namespace RtcScamp.Tests.Wire;

public class FrameTests
{
    private static FrameResult Read(string hex, int max, out ReadOnlySequence<byte> body, out long left)
    {
        var buffer = new ReadOnlySequence<byte>(Convert.FromHexString(hex));
        FrameResult result = Frame.TryReadFrame(ref buffer, max, out body);
        left = buffer.Length;
        return result;
    }

    [Theory]
    [InlineData("00", 0)]
    [InlineData("7f", 127)]
    [InlineData("8001", 128)]
    [InlineData("ff7f", 16383)]
    [InlineData("808001", 16384)]
    [InlineData("ffffffff07", int.MaxValue)]
    public void Minimal_prefixes_decode(string hex, long expected)
    {
        Assert.Equal(FrameResult.Ok, Leb128.TryRead(Convert.FromHexString(hex), long.MaxValue, out long value, out int length));
        Assert.Equal(expected, value);
        Assert.Equal(hex.Length / 2, length);

        Span<byte> written = stackalloc byte[Leb128.MaxLength];
        Assert.Equal(length, Leb128.Write(written, (uint)expected));
        Assert.Equal(hex, Convert.ToHexStringLower(written[..length]));
        Assert.Equal(length, Leb128.GetLength((uint)expected));
    }

    [Theory]
    [InlineData("8000")] // 0 in two bytes
    [InlineData("ff00")] // 127 in two bytes
    [InlineData("808000")] // 0 in three bytes
    [InlineData("8180808000")] // 1 in five bytes
    [InlineData("808080808001")] // six bytes
    public void Overlong_or_too_long_prefixes_are_malformed(string hex)
    {
        Assert.Equal(FrameResult.MalformedLength, Read(hex + "00", int.MaxValue, out _, out long left));
        Assert.Equal(hex.Length / 2 + 1, left);
    }

    [Fact]
    public void Exactly_max_is_accepted_and_max_plus_one_is_rejected_from_the_prefix_alone()
    {
        const int max = 300;
        // 300 = 0xac 0x02
        byte[] frame = new byte[2 + max];
        frame[0] = 0xac;
        frame[1] = 0x02;
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.Equal(FrameResult.Ok, Frame.TryReadFrame(ref buffer, max, out ReadOnlySequence<byte> body));
        Assert.Equal(max, body.Length);
        Assert.Equal(0, buffer.Length);

        // 301 = 0xad 0x02, with no body bytes at all: rejected now, not NeedMoreData.
        Assert.Equal(FrameResult.FrameTooLarge, Read("ad02", max, out _, out _));
        Assert.Equal(FrameResult.NeedMoreData, Read("ac02", max, out _, out long left));
        Assert.Equal(2, left);
    }

    [Fact]
    public void A_long_prefix_is_rejected_before_it_is_complete()
    {
        // With a 1 MiB limit, three continuation bytes already prove the length is at least 2^21.
        Assert.Equal(FrameResult.FrameTooLarge, Read("808080", 1 << 20, out _, out _));
        // Two continuation bytes only prove >= 2^14: must wait.
        Assert.Equal(FrameResult.NeedMoreData, Read("8080", 1 << 20, out _, out _));
        // Limit 127: any continuation byte proves >= 128.
        Assert.Equal(FrameResult.FrameTooLarge, Read("80", 127, out _, out _));
    }

    [Fact]
    public void Partial_frames_need_more_data_and_leave_the_buffer_alone()
    {
        Assert.Equal(FrameResult.NeedMoreData, Read("", 100, out _, out long left));
        Assert.Equal(0, left);
        Assert.Equal(FrameResult.NeedMoreData, Read("03aabb", 100, out _, out left));
        Assert.Equal(3, left);
        Assert.Equal(FrameResult.Ok, Read("03aabbcc01", 100, out ReadOnlySequence<byte> body, out left));
        Assert.Equal("aabbcc", Convert.ToHexStringLower(body.ToArray()));
        Assert.Equal(1, left);
    }

    [Fact]
    public void Read_message_advances_past_a_rejected_body_but_not_past_a_bad_prefix()
    {
        var buffer = new ReadOnlySequence<byte>(Convert.FromHexString("03920a00" + "03920700"));
        Assert.Equal(DecodeResult.UnknownMessageType, Frame.TryReadMessage(ref buffer, WireLimits.Default, out _));
        Assert.Equal(DecodeResult.Ok, Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage m));
        Assert.Equal(new Heartbeat(0), m.AsHeartbeat());
        Assert.Equal(DecodeResult.NeedMoreData, Frame.TryReadMessage(ref buffer, WireLimits.Default, out _));

        buffer = new ReadOnlySequence<byte>(Convert.FromHexString("800000"));
        Assert.Equal(DecodeResult.MalformedLength, Frame.TryReadMessage(ref buffer, WireLimits.Default, out _));
        Assert.Equal(3, buffer.Length);

        buffer = new ReadOnlySequence<byte>(Convert.FromHexString("ffffffff07"));
        Assert.Equal(DecodeResult.FrameTooLarge, Frame.TryReadMessage(ref buffer, WireLimits.Default, out _));
        Assert.Equal(5, buffer.Length);
    }

    [Fact]
    public void Frames_coalesce_in_one_buffer()
    {
        var output = new ArrayBufferWriter<byte>();
        for (ulong i = 0; i < 200; i++)
        {
            Frame.Write(output, new Heartbeat(i * 1000));
        }

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        for (ulong i = 0; i < 200; i++)
        {
            Assert.Equal(DecodeResult.Ok, Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage m));
            Assert.Equal(i * 1000, m.AsHeartbeat().Sequence);
        }

        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void A_large_body_gets_a_multi_byte_prefix()
    {
        var output = new ArrayBufferWriter<byte>();
        var message = (WireMessage)new Broadcast(new MessageId(new NodeId(1, 2), 3), 4, new ReadOnlySequence<byte>(new byte[200_000]));
        Frame.Write(output, message);
        Assert.Equal(Frame.GetEncodedLength(message), output.WrittenCount);
        Assert.Equal(MessageCodec.GetEncodedLength(message) + 3, output.WrittenCount);
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.Equal(DecodeResult.Ok, Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage back));
        Assert.Equal(200_000, back.AsBroadcast().Payload.Length);
    }
}
