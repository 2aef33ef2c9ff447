using System.Buffers;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;
using Xunit;

namespace RtcScamp.Tests.Wire;

/// <summary>Exhaustive small edits of one valid body per message kind: every truncation and every single-bit flip.</summary>
public class HostileBodyTests
{
    public static TheoryData<MessageType> Kinds() => new(Enum.GetValues<MessageType>());

    private static byte[] Body(MessageType kind)
    {
        var a = new NodeId(0x0123456789abcdefUL, 0x0fedcba987654321UL);
        var b = new NodeId(7, 8);
        var route = new NodeRoute(new ReadOnlySequence<byte>(new byte[2 * NodeId.Size]));
        var bytes = new ReadOnlySequence<byte>("contact"u8.ToArray());
        WireMessage m = kind switch
        {
            MessageType.Hello => new Hello(1, a, Capabilities.RelaySignal),
            MessageType.Subscribe => new Subscribe(a, 2.5, SubscribeFlags.Isolated, bytes, route),
            MessageType.ForwardedSubscription => new ForwardedSubscription(a, 200, SubscribeFlags.Lease, bytes, route),
            MessageType.Accept => new Accept(a, b, SubscribeFlags.None),
            MessageType.Unsubscribe => new Unsubscribe(a, b, bytes),
            MessageType.Remove => new Remove(RemoveArc.ReceiverToSender),
            MessageType.Heartbeat => new Heartbeat(70_000),
            MessageType.Signal => new Signal(a, b, SignalKind.Answer, 1, route, bytes),
            _ => new Broadcast(new MessageId(a, 5), 1, bytes),
        };
        return MessageCodecTests.Encode(m);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_truncation_of_a_valid_body_is_malformed(MessageType kind)
    {
        byte[] body = Body(kind);
        for (int length = 0; length < body.Length; length++)
        {
            DecodeResult r = MessageCodec.TryDecode(new ReadOnlySequence<byte>(body, 0, length), WireLimits.Default, out WireMessage m);
            Assert.Equal(DecodeResult.MalformedField, r);
            Assert.Equal(default(MessageType), m.Type);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_single_bit_flip_is_answered_without_throwing(MessageType kind)
    {
        var limits = new WireLimits { MaxContactLength = 7, MaxPayloadLength = 7, MaxRoute = 2 };
        byte[] body = Body(kind);
        var seen = new HashSet<DecodeResult>();
        for (int i = 0; i < body.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] flipped = (byte[])body.Clone();
                flipped[i] ^= (byte)(1 << bit);
                DecodeResult r = MessageCodec.TryDecode(new ReadOnlySequence<byte>(flipped), limits, out WireMessage m);
                Assert.True(Enum.IsDefined(r));
                Assert.NotEqual(DecodeResult.NeedMoreData, r);
                if (r == DecodeResult.Ok)
                {
                    Assert.NotEqual(default(MessageType), m.Type);
                }

                seen.Add(r);
            }
        }

        // Flipping bits in the array header and type byte alone yields malformed and unknown-type bodies.
        Assert.Contains(DecodeResult.MalformedField, seen);
        Assert.Contains(DecodeResult.UnknownMessageType, seen);
    }

    [Theory]
    [InlineData("dd000000020705", DecodeResult.Ok)] // array32 header, count 2
    [InlineData("ddffffffff0705", DecodeResult.MalformedField)] // array32 claiming 2^32-1 elements
    [InlineData("dd7fffffff0705", DecodeResult.MalformedField)] // array32 claiming 2^31-1 elements
    [InlineData("dd0000", DecodeResult.MalformedField)] // array32 header cut short
    [InlineData("dcffff0705", DecodeResult.MalformedField)] // array16 claiming 65535 elements
    [InlineData("de00020705", DecodeResult.MalformedField)] // a map, not an array
    public void Array_headers_of_any_size_never_throw(string hex, DecodeResult expected) =>
        Assert.Equal(expected, MessageCodecTests.Decode(Convert.FromHexString(hex), out _));
}
