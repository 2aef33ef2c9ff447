using System.Buffers;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;
using Xunit;

namespace RtcScamp.Tests.Wire;

public class MessageCodecTests
{
    private static readonly NodeId s_node = new(0x0011223344556677UL, 0x8899aabbccddeeffUL);
    private static readonly NodeId s_origin = new(0x0102030405060708UL, 0x090a0b0c0d0e0f10UL);

    internal static byte[] Encode(in WireMessage message, WireLimits? limits = null)
    {
        var output = new ArrayBufferWriter<byte>();
        MessageCodec.Write(output, message, limits ?? WireLimits.Default);
        return output.WrittenSpan.ToArray();
    }

    internal static DecodeResult Decode(byte[] body, out WireMessage message, WireLimits? limits = null) =>
        MessageCodec.TryDecode(new ReadOnlySequence<byte>(body), limits ?? WireLimits.Default, out message);

    [Fact]
    public void Hello_has_the_documented_bytes()
    {
        byte[] bytes = Encode(new Hello(Hello.CurrentVersion, s_node, Capabilities.RelaySignal | Capabilities.TcpListener));
        Assert.Equal("94" + "01" + "01" + "c410" + "00112233445566778899aabbccddeeff" + "03", Convert.ToHexStringLower(bytes));

        Assert.Equal(DecodeResult.Ok, Decode(bytes, out WireMessage back));
        Assert.Equal(new Hello(1, s_node, Capabilities.RelaySignal | Capabilities.TcpListener), back.AsHello());
    }

    [Fact]
    public void Hello_frame_has_the_documented_bytes()
    {
        var output = new ArrayBufferWriter<byte>();
        Frame.Write(output, new Hello(Hello.CurrentVersion, s_node, Capabilities.RelaySignal | Capabilities.TcpListener));
        Assert.Equal("16" + "940101c410" + "00112233445566778899aabbccddeeff" + "03", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void Broadcast_has_the_documented_bytes()
    {
        byte[] payload = "hi"u8.ToArray();
        byte[] bytes = Encode(new Broadcast(new MessageId(s_origin, 300), 2, new ReadOnlySequence<byte>(payload)));
        Assert.Equal("95" + "09" + "c410" + "0102030405060708090a0b0c0d0e0f10" + "cd012c" + "02" + "c4026869", Convert.ToHexStringLower(bytes));

        Assert.Equal(DecodeResult.Ok, Decode(bytes, out WireMessage back));
        Broadcast b = back.AsBroadcast();
        Assert.Equal(new MessageId(s_origin, 300), b.Id);
        Assert.Equal(2, b.Hops);
        Assert.Equal(payload, b.Payload.ToArray());
    }

    [Fact]
    public void Heartbeat_and_remove_are_tiny()
    {
        Assert.Equal("920700", Convert.ToHexStringLower(Encode(new Heartbeat(0))));
        Assert.Equal("9207cfffffffffffffffff", Convert.ToHexStringLower(Encode(new Heartbeat(ulong.MaxValue))));
        Assert.Equal("920601", Convert.ToHexStringLower(Encode(new Remove(RemoveArc.ReceiverToSender))));
    }

    [Fact]
    public void Subscribe_budget_is_float64()
    {
        byte[] bytes = Encode(new Subscribe(s_node, 10.0, SubscribeFlags.Lease, default, NodeRoute.Empty));
        Assert.Equal("96" + "02" + "c410" + "00112233445566778899aabbccddeeff" + "cb4024000000000000" + "01" + "c400" + "c400", Convert.ToHexStringLower(bytes));
    }

    [Theory]
    [InlineData("9207cc05", 5UL)] // uint8 for a value that fits a fixint
    [InlineData("9207cd0005", 5UL)] // uint16
    [InlineData("9207ce00000005", 5UL)] // uint32
    [InlineData("9207cf0000000000000005", 5UL)] // uint64
    [InlineData("9207d005", 5UL)] // int8, non-negative
    [InlineData("9207d30000000000000005", 5UL)] // int64, non-negative
    [InlineData("dc00020705", 5UL)] // array16 header
    public void Integers_and_arrays_in_any_form_that_holds_the_value_are_accepted(string hex, ulong sequence)
    {
        Assert.Equal(DecodeResult.Ok, Decode(Convert.FromHexString(hex), out WireMessage m));
        Assert.Equal(sequence, m.AsHeartbeat().Sequence);
    }

    [Theory]
    [InlineData("", DecodeResult.MalformedField)] // empty body
    [InlineData("07", DecodeResult.MalformedField)] // not an array
    [InlineData("90", DecodeResult.MalformedField)] // empty array: no type
    [InlineData("9207", DecodeResult.MalformedField)] // heartbeat missing its field
    [InlineData("920705c0", DecodeResult.TrailingBytes)] // a nil after the array
    [InlineData("93070505", DecodeResult.MalformedField)] // one field too many for version 1
    [InlineData("9207ff", DecodeResult.MalformedField)] // negative fixint
    [InlineData("9207d0ff", DecodeResult.MalformedField)] // int8 -1
    [InlineData("9207cd00", DecodeResult.MalformedField)] // uint16 cut short
    [InlineData("9207a161", DecodeResult.MalformedField)] // a string where an integer belongs
    [InlineData("920a00", DecodeResult.UnknownMessageType)] // type 10
    [InlineData("920000", DecodeResult.UnknownMessageType)] // type 0
    [InlineData("92cd010000", DecodeResult.MalformedField)] // type out of byte range
    [InlineData("920602", DecodeResult.MalformedField)] // RemoveArc 2 is undefined
    [InlineData("9206c0", DecodeResult.MalformedField)] // nil arc
    public void Bad_bodies_are_rejected_with_a_typed_result(string hex, DecodeResult expected)
    {
        Assert.Equal(expected, Decode(Convert.FromHexString(hex), out WireMessage m));
        Assert.Equal(default(MessageType), m.Type);
    }

    [Fact]
    public void A_node_id_must_be_exactly_16_bytes_of_bin()
    {
        string good = "00112233445566778899aabbccddeeff";
        Assert.Equal(DecodeResult.Ok, Decode(Convert.FromHexString("940101c410" + good + "00"), out _));
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString("940101c40f" + good[..30] + "00"), out _));
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString("940101c411" + good + "aa00"), out _));
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString("940101b0" + good + "00"), out _)); // str, not bin
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString("940101c410" + good[..20]), out _)); // cut short
    }

    [Fact]
    public void A_bin_length_beyond_the_body_is_malformed_and_beyond_the_limit_is_limit_exceeded()
    {
        string origin = "c410" + "0102030405060708090a0b0c0d0e0f10";
        // payload claims 4 bytes, has 2
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString("9509" + origin + "0102c4046869"), out _));
        // payload claims 4 GiB - 1: refused from the header, before looking for the bytes
        Assert.Equal(DecodeResult.LimitExceeded, Decode(Convert.FromHexString("9509" + origin + "0102c6ffffffff"), out _));
    }

    [Fact]
    public void Payload_of_exactly_the_limit_is_accepted_and_one_more_byte_is_not()
    {
        var limits = new WireLimits { MaxPayloadLength = 300 };
        byte[] atLimit = Encode(new Broadcast(new MessageId(s_origin, 1), 0, new ReadOnlySequence<byte>(new byte[300])), limits);
        Assert.Equal(DecodeResult.Ok, Decode(atLimit, out WireMessage m, limits));
        Assert.Equal(300, m.AsBroadcast().Payload.Length);

        byte[] over = Encode(new Broadcast(new MessageId(s_origin, 1), 0, new ReadOnlySequence<byte>(new byte[301])), WireLimits.Default);
        Assert.Equal(DecodeResult.LimitExceeded, Decode(over, out _, limits));
        Assert.Throws<ArgumentException>(() => Encode(new Broadcast(new MessageId(s_origin, 1), 0, new ReadOnlySequence<byte>(new byte[301])), limits));
    }

    [Fact]
    public void Route_of_exactly_max_hops_is_accepted_and_one_more_hop_is_not()
    {
        var limits = new WireLimits { MaxRoute = 4 };
        var four = new NodeRoute(new ReadOnlySequence<byte>(new byte[4 * NodeId.Size]));
        var five = new NodeRoute(new ReadOnlySequence<byte>(new byte[5 * NodeId.Size]));
        byte[] ok = Encode(new ForwardedSubscription(s_node, 1, SubscribeFlags.None, default, four), limits);
        Assert.Equal(DecodeResult.Ok, Decode(ok, out WireMessage m, limits));
        Assert.Equal(4, m.AsForwardedSubscription().Route.Count);

        byte[] over = Encode(new ForwardedSubscription(s_node, 1, SubscribeFlags.None, default, five));
        Assert.Equal(DecodeResult.LimitExceeded, Decode(over, out _, limits));
        Assert.Throws<ArgumentException>(() => Encode(new ForwardedSubscription(s_node, 1, SubscribeFlags.None, default, five), limits));

        var tooLong = new NodeRoute(new ReadOnlySequence<byte>(new byte[(WireLimits.MaxRouteLength + 1) * NodeId.Size]));
        Assert.Throws<ArgumentException>(() => Encode(new Signal(s_node, s_origin, SignalKind.Offer, 0, tooLong, default), new WireLimits { MaxRoute = WireLimits.MaxRouteLength }));
    }

    [Fact]
    public void A_route_that_is_not_whole_node_ids_is_malformed()
    {
        // ForwardedSubscription with a 17-byte route
        string hex = "9603" + "c410" + "00112233445566778899aabbccddeeff" + "0100" + "c400" + "c411" + new string('0', 34);
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void Contact_limit_applies_to_subscriptions_and_unsubscribe()
    {
        var limits = new WireLimits { MaxContactLength = 8 };
        var nine = new ReadOnlySequence<byte>(new byte[9]);
        Assert.Throws<ArgumentException>(() => Encode(new Unsubscribe(s_node, s_origin, nine), limits));
        Assert.Equal(DecodeResult.LimitExceeded, Decode(Encode(new Unsubscribe(s_node, s_origin, nine)), out _, limits));
        Assert.Equal(DecodeResult.LimitExceeded, Decode(Encode(new Subscribe(s_node, 1, SubscribeFlags.None, nine, NodeRoute.Empty)), out _, limits));
    }

    [Fact]
    public void Writer_rejects_caller_misuse()
    {
        Assert.Throws<ArgumentException>(() => Encode(default(WireMessage)));
        Assert.Throws<ArgumentException>(() => Encode(new Subscribe(s_node, double.NaN, SubscribeFlags.None, default, NodeRoute.Empty)));
        Assert.Throws<ArgumentException>(() => Encode(new Accept(s_node, s_origin, (SubscribeFlags)8)));
        Assert.Throws<ArgumentException>(() => Encode(new Remove((RemoveArc)2)));
        Assert.Throws<ArgumentException>(() => Encode(new Signal(s_node, s_origin, (SignalKind)0, 0, NodeRoute.Empty, default)));
        Assert.Throws<ArgumentException>(() => Encode(new Heartbeat(1), new WireLimits { MaxRoute = WireLimits.MaxRouteLength + 1 }));

        // Nothing was written by a rejected frame.
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => Frame.Write(output, new Remove((RemoveArc)7)));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Non_finite_budgets_and_undefined_flags_are_malformed_on_decode()
    {
        string id = "c410" + "00112233445566778899aabbccddeeff";
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString("9602" + id + "cb7ff8000000000000" + "00c400c400"), out _)); // NaN
        Assert.Equal(DecodeResult.Ok, Decode(Convert.FromHexString("9602" + id + "0a" + "00c400c400"), out WireMessage m)); // integer budget
        Assert.Equal(10.0, m.AsSubscribe().Budget);
        Assert.Equal(DecodeResult.MalformedField, Decode(Convert.FromHexString("9404" + id + id + "08"), out _)); // flag bit 3
    }

    [Fact]
    public void Body_longer_than_max_frame_is_frame_too_large()
    {
        byte[] bytes = Encode(new Heartbeat(ulong.MaxValue));
        Assert.Equal(DecodeResult.FrameTooLarge, Decode(bytes, out _, new WireLimits { MaxFrameLength = bytes.Length - 1 }));
        Assert.Equal(DecodeResult.Ok, Decode(bytes, out _, new WireLimits { MaxFrameLength = bytes.Length }));
    }
}
