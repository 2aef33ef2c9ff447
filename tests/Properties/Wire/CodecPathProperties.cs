using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Tests.Wire;

/// <summary>
/// The codec has two decoders (a span reader for a single-segment body, MessagePackReader for a split one) and two
/// writers (straight into one span, or MessagePackWriter across segments). Whichever path runs, the outcome must be
/// the same: the same <see cref="DecodeResult"/> and the same fields for every input, the same bytes for every
/// message. Each path is forced through its internal entry point.
/// </summary>
[Properties(Arbitrary = [typeof(WireArbitraries)], MaxTest = 1000)]
public class CodecPathProperties
{
    // Tight limits so that generated bodies reach every limit check; the defaults so that they reach the fields.
    private static readonly WireLimits s_tight = WireArbitraries.TightLimits;

    [Property]
    public Property Both_decoders_agree_on_arbitrary_bytes(byte[] bytes, int[] cutSeeds) => Agree(bytes, cutSeeds);

    [Property]
    public Property Both_decoders_agree_on_bytes_that_start_like_a_message(byte header, byte type, byte[] rest, int[] cutSeeds)
    {
        // An array header of any form and a type byte near the known ones, then garbage: reaches every field reader.
        byte[] start = (header % 4) switch
        {
            0 => [(byte)(0x90 | (header >> 4))],
            1 => [0xdc, 0, (byte)(header >> 4)],
            2 => [0xdd, 0, 0, 0, (byte)(header >> 4)],
            _ => [0xdd, 0xff, 0xff, 0xff, header], // a count MessagePack reads as negative
        };
        return Agree([.. start, (byte)(type % 12), .. rest], cutSeeds);
    }

    [Property]
    public Property Both_decoders_agree_on_mutated_valid_bodies(MessageSample sample, Mutation[] mutations, int[] cutSeeds)
    {
        byte[] body = MessageCodecBytes(sample.Message);
        foreach (Mutation m in mutations)
        {
            body = m.Apply(body);
        }

        return Agree(body, cutSeeds);
    }

    [Property]
    public Property Both_decoders_agree_on_mutated_lenient_bodies(MessageSample sample, int[] choices, Mutation[] mutations, int[] cutSeeds)
    {
        byte[] body = LenientEncoding.Encode(sample.Message, choices, out _);
        foreach (Mutation m in mutations)
        {
            body = m.Apply(body);
        }

        return Agree(body, cutSeeds);
    }

    [Property]
    public Property Lenient_forms_decode_to_the_message_on_both_paths(MessageSample sample, int[] choices, int[] cutSeeds)
    {
        byte[] body = LenientEncoding.Encode(sample.Message, choices, out WireMessage expected);
        var single = new ReadOnlySequence<byte>(body);
        DecodeResult fast = MessageCodec.TryDecodeWithSpanReader(single, WireLimits.Default, out WireMessage viaSpan);
        DecodeResult slow = MessageCodec.TryDecodeWithSequenceReader(Split(body, cutSeeds), WireLimits.Default, out WireMessage viaSequence);
        return (fast == DecodeResult.Ok).Label($"span reader: {fast} for {Convert.ToHexStringLower(body.AsSpan(0, Math.Min(body.Length, 64)))}")
            .And((slow == DecodeResult.Ok).Label($"sequence reader: {slow}"))
            .And(WireArbitraries.Same(expected, viaSpan).Label("span reader fields differ"))
            .And(WireArbitraries.Same(expected, viaSequence).Label("sequence reader fields differ"))
            .And(Agree(body, cutSeeds));
    }

    [Property]
    public Property Both_decoders_agree_on_every_generated_message(MessageSample sample, int[] cutSeeds)
    {
        byte[] body = MessageCodecBytes(sample.Message);
        DecodeResult fast = MessageCodec.TryDecodeWithSpanReader(new ReadOnlySequence<byte>(body), WireLimits.Default, out WireMessage back);
        return (fast == DecodeResult.Ok).Label($"span reader: {fast}")
            .And(WireArbitraries.Same(sample.Message, back).Label("fields differ"))
            .And(Agree(body, cutSeeds));
    }

    [Property]
    public Property Both_writers_produce_the_same_bytes(MessageSample sample, byte segment)
    {
        WireMessage message = sample.Message;
        int length = MessageCodec.GetEncodedLength(message);

        var viaSpan = new byte[length];
        MessageCodec.WriteChecked(viaSpan, message, length);

        var viaMessagePack = new ArrayBufferWriter<byte>();
        MessageCodec.WriteWithMessagePackWriter(viaMessagePack, message);

        // Public entry points, into a contiguous buffer and into a writer that hands out exactly the size asked
        // (at least 1 + segment % 32 bytes), so that a large message takes the MessagePackWriter path across segments.
        var contiguous = new ArrayBufferWriter<byte>();
        MessageCodec.Write(contiguous, message);
        var segmented = new SegmentedBufferWriter(1 + (segment % 32));
        MessageCodec.Write(segmented, message);

        var frame = new ArrayBufferWriter<byte>();
        Frame.Write(frame, message);
        var segmentedFrame = new SegmentedBufferWriter(1 + (segment % 32));
        Frame.Write(segmentedFrame, message);
        byte[] prefix = new byte[Frame.MaxPrefixLength];
        int prefixLength = Leb128.Write(prefix, (uint)length);
        byte[] expectedFrame = [.. prefix.AsSpan(0, prefixLength), .. viaSpan];

        return viaSpan.AsSpan().SequenceEqual(viaMessagePack.WrittenSpan).Label("span writer != MessagePackWriter")
            .And(viaSpan.AsSpan().SequenceEqual(contiguous.WrittenSpan).Label("MessageCodec.Write (contiguous) differs"))
            .And(viaSpan.AsSpan().SequenceEqual(segmented.ToArray()).Label("MessageCodec.Write (segmented) differs"))
            .And(expectedFrame.AsSpan().SequenceEqual(frame.WrittenSpan).Label("Frame.Write (contiguous) differs"))
            .And(expectedFrame.AsSpan().SequenceEqual(segmentedFrame.ToArray()).Label("Frame.Write (segmented) differs"));
    }

    private static byte[] MessageCodecBytes(in WireMessage message)
    {
        var output = new ArrayBufferWriter<byte>();
        MessageCodec.Write(output, message);
        return output.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int[] cutSeeds) =>
        ChunkedSequence.Create(bytes, WireArbitraries.Cuts(bytes.Length, cutSeeds));

    /// <summary>
    /// Decodes <paramref name="body"/> under tight and default limits: on the span path, on the MessagePackReader
    /// path over the same single segment and over the bytes split at <paramref name="cutSeeds"/>, and through the
    /// public entry point both ways. Every decode must give the same result, and the same fields when Ok (a default
    /// message otherwise).
    /// </summary>
    private static Property Agree(byte[] body, int[] cutSeeds)
    {
        Property all = true.ToProperty();
        ReadOnlySequence<byte> single = new(body);
        ReadOnlySequence<byte> split = Split(body, cutSeeds);
        foreach (WireLimits limits in new[] { s_tight, WireLimits.Default })
        {
            string name = ReferenceEquals(limits, s_tight) ? "tight" : "default";
            DecodeResult fast = MessageCodec.TryDecodeWithSpanReader(single, limits, out WireMessage a);
            (string Path, DecodeResult Result, WireMessage Message)[] others =
            [
                ("sequence reader, one segment", MessageCodec.TryDecodeWithSequenceReader(single, limits, out WireMessage b), b),
                ("sequence reader, split", MessageCodec.TryDecodeWithSequenceReader(split, limits, out WireMessage c), c),
                ("TryDecode, one segment", MessageCodec.TryDecode(single, limits, out WireMessage d), d),
                ("TryDecode, split", MessageCodec.TryDecode(split, limits, out WireMessage e), e),
            ];
            all = all.And((fast == DecodeResult.Ok ? a.Type != default : a.Type == default).Label($"{name}: span reader left a message with {fast}"));
            foreach ((string path, DecodeResult result, WireMessage message) in others)
            {
                all = all.And((result == fast).Label($"{name}: span reader {fast}, {path} {result}"))
                    .And((fast != DecodeResult.Ok || WireArbitraries.Same(a, message)).Label($"{name}: fields differ on {path}"))
                    .And((fast == DecodeResult.Ok || message.Type == default).Label($"{name}: {path} left a message with {result}"));
            }
        }

        return all;
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> that gives out exactly the span asked for (at least a minimum), one segment each.</summary>
    private sealed class SegmentedBufferWriter(int minimum) : IBufferWriter<byte>
    {
        private readonly List<byte[]> _written = [];
        private byte[] _current = [];

        public void Advance(int count)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _current.Length);
            _written.Add(_current[..count]);
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            _current = new byte[Math.Max(sizeHint, minimum)];
            return _current;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] ToArray() => [.. _written.SelectMany(b => b)];
    }
}
