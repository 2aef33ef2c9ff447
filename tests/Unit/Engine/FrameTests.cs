using System.Buffers;
using RtcScamp.Engine;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;
using Xunit;
using static RtcScamp.Tests.Engine.NodeFixture;

namespace RtcScamp.Tests.Engine;

public class FrameTests
{
    [Fact]
    public void Encoded_broadcast_frame_is_decoded_delivered_and_forwarded()
    {
        ScampNode node = Make();
        GivePartialView(node, N(1), N(2));
        var writer = new ArrayBufferWriter<byte>();
        MessageCodec.Write(writer, new Broadcast(new MessageId(N(5), 1), 1, new ReadOnlySequence<byte>(new byte[] { 9 })));
        node.HandleFrame(N(1), new ReadOnlySequence<byte>(writer.WrittenMemory), 0);
        List<NodeOutput> outputs = Drain(node);
        Assert.Equal([OutputKind.Deliver, OutputKind.Send], outputs.Select(o => o.Kind).ToArray());
        Assert.Equal(N(2), outputs[1].Peer);
    }

    [Fact]
    public void Garbage_frame_closes_with_MalformedFrame_and_nothing_is_thrown()
    {
        ScampNode node = Make();
        GivePartialView(node, N(1));
        node.HandleFrame(N(1), new ReadOnlySequence<byte>(new byte[] { 0xC1, 0xFF, 0x00 }), 0);
        Assert.Equal(CloseReason.MalformedFrame, Single(Drain(node), OutputKind.Close).Reason);
        Assert.Equal(1, node.Counters.MalformedFrames);
    }

    [Fact]
    public void Unknown_message_type_is_dropped_but_the_connection_stays()
    {
        ScampNode node = Make();
        GivePartialView(node, N(1));
        node.HandleFrame(N(1), new ReadOnlySequence<byte>(new byte[] { 0x91, 0x7F }), 0);
        Assert.Empty(Drain(node));
        Assert.True(node.IsConnected(N(1)));
        Assert.Equal(1, node.Counters.MalformedFrames);
    }
}
