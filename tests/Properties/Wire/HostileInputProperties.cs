using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Tests.Wire;

/// <summary>Peer bytes are hostile: nothing they contain makes the decoder throw or return oversized fields.</summary>
[Properties(Arbitrary = [typeof(WireArbitraries)], MaxTest = 2000)]
public class HostileInputProperties
{
    // Tight limits so generated garbage actually reaches the limit checks.
    private static readonly WireLimits s_tight = WireArbitraries.TightLimits;

    [Property]
    public bool Arbitrary_bytes_never_throw(byte[] bytes, int[] cutSeeds) => Survives(bytes, cutSeeds);

    [Property]
    public bool Bytes_that_start_like_a_message_never_throw(byte type, byte[] rest, int[] cutSeeds)
    {
        // fixarray of 2..7 elements and a valid type number, then garbage: reaches every field reader.
        byte[] bytes = [(byte)(0x92 + (type % 6)), (byte)(1 + (type % 9)), .. rest];
        return Survives([(byte)bytes.Length, .. bytes], cutSeeds);
    }

    [Property]
    public bool Mutated_valid_frames_never_throw(MessageSample[] samples, Mutation[] mutations, int[] cutSeeds)
    {
        byte[] stream = WireArbitraries.EncodeFrames(samples);
        foreach (Mutation m in mutations)
        {
            stream = m.Apply(stream);
        }

        return Survives(stream, cutSeeds);
    }

    /// <summary>
    /// Reads frames like a connection would (stop at the first non-Ok result) from the bytes cut into segments,
    /// and decodes the whole input as one body too. True if nothing threw and every decoded message is within limits.
    /// </summary>
    private static bool Survives(byte[] bytes, int[] cutSeeds)
    {
        int[] cuts = WireArbitraries.Cuts(bytes.Length, cutSeeds);
        ReadOnlySequence<byte> buffer = ChunkedSequence.Create(bytes, cuts);
        bool ok = true;
        foreach (WireLimits limits in new[] { s_tight, WireLimits.Default })
        {
            ReadOnlySequence<byte> rest = buffer;
            DecodeResult r;
            WireMessage m;
            while ((r = Frame.TryReadMessage(ref rest, limits, out m)) == DecodeResult.Ok)
            {
                ok &= WireArbitraries.WithinLimits(m, limits);
            }

            // A failed read leaves a default message.
            ok &= Enum.IsDefined(r) && m.Type == default;
            r = MessageCodec.TryDecode(buffer, limits, out WireMessage whole);
            ok &= Enum.IsDefined(r) && (r == DecodeResult.Ok ? WireArbitraries.WithinLimits(whole, limits) : whole.Type == default);
            ok &= r != DecodeResult.NeedMoreData && r != DecodeResult.MalformedLength;
        }

        return ok;
    }
}
