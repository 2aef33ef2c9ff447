using System.Buffers;
using System.IO.Pipelines;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Tests.Wire;

[Properties(Arbitrary = [typeof(WireArbitraries)], MaxTest = 200)]
public class FramingProperties
{
    [Property]
    public Property Frames_split_at_any_boundaries_decode_identically(MessageSample[] samples, int[] cutSeeds)
    {
        byte[] stream = WireArbitraries.EncodeFrames(samples);
        int[] cuts = WireArbitraries.Cuts(stream.Length, cutSeeds);

        // All at once, as one multi-segment sequence.
        ReadOnlySequence<byte> buffer = ChunkedSequence.Create(stream, cuts);
        var decoded = new List<bool>();
        foreach (MessageSample s in samples)
        {
            decoded.Add(Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage m) == DecodeResult.Ok && WireArbitraries.Same(s.Message, m));
        }

        bool whole = decoded.All(ok => ok) && buffer.IsEmpty;

        // Incrementally, as the segments arrive: NeedMoreData until a frame is complete, then the same messages.
        ReadOnlySequence<byte> all = ChunkedSequence.Create(stream, cuts);
        long consumed = 0;
        int next = 0;
        bool incremental = true;
        foreach (int end in cuts.Append(stream.Length))
        {
            ReadOnlySequence<byte> available = all.Slice(consumed, end - consumed);
            DecodeResult r;
            while ((r = Frame.TryReadMessage(ref available, WireLimits.Default, out WireMessage m)) == DecodeResult.Ok)
            {
                incremental &= next < samples.Length && WireArbitraries.Same(samples[next].Message, m);
                next++;
            }

            incremental &= r == DecodeResult.NeedMoreData;
            consumed = end - available.Length;
        }

        incremental &= next == samples.Length && consumed == stream.Length;
        return whole.Label("whole buffer").And(incremental.Label("incremental"));
    }

    [Property]
    public Property A_length_over_the_limit_is_rejected_with_only_the_prefix(PositiveInt maxSeed, PositiveInt excess)
    {
        int max = maxSeed.Get % (1 << 28);
        long length = Math.Min((long)max + excess.Get, int.MaxValue);
        Span<byte> prefix = stackalloc byte[Frame.MaxPrefixLength];
        int n = Leb128.Write(prefix, (uint)length);

        var buffer = new ReadOnlySequence<byte>(prefix[..n].ToArray());
        bool full = Frame.TryReadFrame(ref buffer, max, out _) == FrameResult.FrameTooLarge && buffer.Length == n;

        // Any shorter piece of the prefix never says Ok: it waits or already rejects.
        bool partial = true;
        for (int i = 0; i < n; i++)
        {
            var piece = new ReadOnlySequence<byte>(prefix[..i].ToArray());
            partial &= Frame.TryReadFrame(ref piece, max, out _) is FrameResult.NeedMoreData or FrameResult.FrameTooLarge;
        }

        return full.Label("full prefix").And(partial.Label("partial prefix"));
    }

    [Property]
    public bool Leb128_round_trips_minimally(int seed)
    {
        uint value = (uint)seed & int.MaxValue;
        Span<byte> bytes = stackalloc byte[Leb128.MaxLength];
        int n = Leb128.Write(bytes, value);
        return n == Leb128.GetLength(value)
            && Leb128.TryRead(bytes[..n], int.MaxValue, out long back, out int read) == FrameResult.Ok
            && back == value && read == n
            && (n == 1 || bytes[n - 1] != 0);
    }

    [Property(MaxTest = 40)]
    public bool A_pipe_reader_loop_receives_every_frame(MessageSample[] samples, int[] chunkSeeds) =>
        Task.Run(() => PipeLoop(samples, chunkSeeds)).GetAwaiter().GetResult();

    /// <summary>
    /// The transport-side loop the Wire layer is designed for: ReadAsync, read frames until NeedMoreData,
    /// AdvanceTo(consumed, examined) in finally. Messages alias the pipe's memory, so they are used before AdvanceTo.
    /// </summary>
    private static async Task<bool> PipeLoop(MessageSample[] samples, int[] chunkSeeds)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 16, resumeWriterThreshold: 1 << 15, minimumSegmentSize: 512, useSynchronizationContext: false));
        byte[] stream = WireArbitraries.EncodeFrames(samples);

        async Task Send()
        {
            int offset = 0, i = 0;
            while (offset < stream.Length)
            {
                int size = 1 + (int)((uint)(chunkSeeds.Length == 0 ? 7919 : chunkSeeds[i++ % chunkSeeds.Length]) % 4096);
                size = Math.Min(size, stream.Length - offset);
                stream.AsMemory(offset, size).CopyTo(pipe.Writer.GetMemory(size));
                pipe.Writer.Advance(size);
                offset += size;
                await pipe.Writer.FlushAsync().ConfigureAwait(false);
            }

            await pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }

        Task sending = Send();
        int next = 0;
        bool same = true;
        while (true)
        {
            ReadResult read = await pipe.Reader.ReadAsync().ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = read.Buffer;
            try
            {
                DecodeResult r;
                while ((r = Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage m)) == DecodeResult.Ok)
                {
                    same &= next < samples.Length && WireArbitraries.Same(samples[next].Message, m);
                    next++;
                }

                same &= r == DecodeResult.NeedMoreData;
                if (read.IsCompleted)
                {
                    same &= buffer.IsEmpty;
                    break;
                }
            }
            finally
            {
                pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        await sending.ConfigureAwait(false);
        return same && next == samples.Length;
    }
}
