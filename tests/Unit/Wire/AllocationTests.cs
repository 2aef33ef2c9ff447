using System.Buffers;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;
using Xunit;

namespace RtcScamp.Tests.Wire;

/// <summary>
/// Guards the benchmark's "0 B allocated" claim: encoding, framing and decoding every message kind allocate
/// nothing once the output buffer has grown. Counts bytes allocated on this thread only.
/// </summary>
public class AllocationTests
{
    private const int Iterations = 2_000;

    private static WireMessage[] AllKinds()
    {
        var a = new NodeId(0x1111, 0x2222);
        var b = new NodeId(0x3333, 0x4444);
        var route = new NodeRoute(new ReadOnlySequence<byte>(new byte[3 * NodeId.Size]));
        var contact = new ReadOnlySequence<byte>(new byte[40]);
        var payload = new ReadOnlySequence<byte>(new byte[1000]);
        return
        [
            new Hello(Hello.CurrentVersion, a, Capabilities.RelaySignal),
            new Subscribe(a, 7.5, SubscribeFlags.Lease, contact, route),
            new ForwardedSubscription(a, 3, SubscribeFlags.None, contact, route),
            new Accept(a, b, SubscribeFlags.Replacement),
            new Unsubscribe(a, b, contact),
            new Remove(RemoveArc.SenderToReceiver),
            new Heartbeat(123_456_789),
            new Signal(a, b, SignalKind.Offer, 1, route, payload),
            new Broadcast(new MessageId(a, 99), 2, payload),
        ];
    }

    [Fact]
    public void Encode_frame_and_decode_allocate_nothing()
    {
        WireMessage[] messages = AllKinds();
        var output = new ArrayBufferWriter<byte>(1 << 16);
        WireLimits limits = WireLimits.Default;

        // One buffer holding every kind as a frame, split in two segments so the multi-segment paths run too.
        foreach (WireMessage m in messages)
        {
            Frame.Write(output, m);
        }

        byte[] frames = output.WrittenSpan.ToArray();
        ReadOnlySequence<byte> split = ChunkedSequence.Create(frames, frames.Length / 3, frames.Length / 2);

        long checksum = 0;
        void Round()
        {
            output.ResetWrittenCount();
            foreach (WireMessage m in messages)
            {
                MessageCodec.Write(output, m);
                Frame.Write(output, m);
                checksum += MessageCodec.GetEncodedLength(m);
            }

            ReadOnlySequence<byte> buffer = split;
            while (Frame.TryReadMessage(ref buffer, limits, out WireMessage decoded) == DecodeResult.Ok)
            {
                checksum += (long)decoded.Type;
            }
        }

        for (int i = 0; i < 50; i++)
        {
            Round();
        }

        long allocated = AllocationProbe.MinAllocatedBytes(() =>
        {
            for (int i = 0; i < Iterations; i++)
            {
                Round();
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }
}
