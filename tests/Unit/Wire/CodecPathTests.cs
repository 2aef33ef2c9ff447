using System.Buffers;
using System.IO.Pipelines;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;
using Xunit;

namespace RtcScamp.Tests.Wire;

/// <summary>
/// The codec's span fast paths and MessagePack slow paths, beyond the path-equivalence properties: which one runs
/// where, and that the span reader's byte fields are slices of the input like the slow path's.
/// </summary>
public class CodecPathTests
{
    private static readonly NodeId s_origin = new(0x0102030405060708UL, 0x090a0b0c0d0e0f10UL);

    [Fact]
    public void Span_reader_byte_fields_are_slices_of_the_input_not_copies()
    {
        byte[] body = MessageCodecTests.Encode(new Broadcast(new MessageId(s_origin, 300), 2, new ReadOnlySequence<byte>("hi"u8.ToArray())));
        // The body sits at offset 3 of a larger array, as a frame does inside a pipe segment.
        byte[] segment = [0xaa, 0xbb, 0xcc, .. body, 0xdd];
        var input = new ReadOnlySequence<byte>(segment, 3, body.Length);

        Assert.Equal(DecodeResult.Ok, MessageCodec.TryDecodeWithSpanReader(input, WireLimits.Default, out WireMessage m));
        ReadOnlySequence<byte> payload = m.AsBroadcast().Payload;
        Assert.Same(segment, payload.Start.GetObject());
        Assert.Equal(3 + body.Length - 2, payload.Start.GetInteger());
        Assert.Equal("hi"u8.ToArray(), payload.ToArray());
    }

    [Fact]
    public void Span_reader_refuses_a_multi_segment_body_as_caller_misuse()
    {
        byte[] body = MessageCodecTests.Encode(new Heartbeat(7));
        Assert.Throws<ArgumentException>(() => MessageCodec.TryDecodeWithSpanReader(ChunkedSequence.Create(body, 1), WireLimits.Default, out _));
    }

    [Theory]
    [InlineData("ddffffffff07", DecodeResult.MalformedField)] // array32 count 2^32-1: MessagePack reads it as -1
    [InlineData("dd8000000007", DecodeResult.MalformedField)] // array32 count 2^31: negative as well
    [InlineData("dd7fffffff0a", DecodeResult.UnknownMessageType)] // a huge count, then an unknown type: the type is judged first
    [InlineData("95cb", DecodeResult.MalformedField)] // a float64 where the type belongs
    [InlineData("9207ca3f800000", DecodeResult.MalformedField)] // float32 1.0 where an integer belongs
    [InlineData("9509c5001001020304050607080910111213141516cd012c02c40268", DecodeResult.MalformedField)] // bin16 NodeId, payload cut short
    [InlineData("9509c6000000100102030405060708091011121314151600", DecodeResult.MalformedField)] // bin32 NodeId, then truncated
    [InlineData("9602c41001020304050607080910111213141516ca7f80000000c400c400", DecodeResult.MalformedField)] // float32 +inf budget
    [InlineData("9602c41001020304050607080910111213141516d3fffffffffffffff601c402abcdc400", DecodeResult.Ok)] // budget int64 -10: accepted
    [InlineData("9602c41001020304050607080910111213141516cfffffffffffffffff00c400c41001020304050607080910111213141516", DecodeResult.Ok)] // budget uint64 max: accepted, with a one-hop route
    public void Edge_forms_get_the_same_answer_on_both_paths(string hex, DecodeResult expected) =>
        Assert.Equal(expected, MessageCodecTests.Decode(Convert.FromHexString(hex), out _)); // Decode asserts the paths agree

    [Fact]
    public async Task A_frame_larger_than_a_pipe_segment_is_written_across_segments_and_reads_back()
    {
        // 10 KB of payload does not fit one 4 KiB pipe segment: MessagePackWriter spreads it over several.
        var payload = new byte[10_000];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)((i * 7) + (i >> 8));
        }
        WireMessage big = new Broadcast(new MessageId(s_origin, 1), 0, new ReadOnlySequence<byte>(payload));
        WireMessage small = new Heartbeat(42);
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 4096, pauseWriterThreshold: 0, useSynchronizationContext: false));
        Frame.Write(pipe.Writer, small);
        Frame.Write(pipe.Writer, big);
        Frame.Write(pipe.Writer, small);
        await pipe.Writer.CompleteAsync();

        ReadResult read;
        while (!(read = await pipe.Reader.ReadAsync(TestContext.Current.CancellationToken)).IsCompleted)
        {
            pipe.Reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        ReadOnlySequence<byte> buffer = read.Buffer;
        Assert.False(buffer.IsSingleSegment);
        var expected = new ArrayBufferWriter<byte>();
        foreach (WireMessage m in new[] { small, big, small })
        {
            Frame.Write(expected, m);
        }

        Assert.Equal(expected.WrittenSpan.ToArray(), buffer.ToArray());
        Assert.Equal(DecodeResult.Ok, Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage first));
        Assert.Equal(DecodeResult.Ok, Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage second));
        Assert.Equal(42UL, first.AsHeartbeat().Sequence);
        Assert.Equal(payload, second.AsBroadcast().Payload.ToArray());
        pipe.Reader.AdvanceTo(buffer.End);
        await pipe.Reader.CompleteAsync();
    }
}
