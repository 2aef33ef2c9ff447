using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Bench.Wire;

/// <summary>
/// Framing of <see cref="Frames"/> coalesced frames (alternating 256-byte Broadcasts and Heartbeats):
/// written into a reused buffer, and sent through a System.IO.Pipelines Pipe (write all, one flush, then
/// read and decode every frame, AdvanceTo). Times are per batch of <see cref="Frames"/> frames.
/// </summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(1 << 16);
    private readonly WireMessage[] _messages = new WireMessage[2];
    private Pipe _pipe = null!;

    [Params(100)]
    public int Frames { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _messages[0] = CodecBenchmarks.Sample(MessageType.Broadcast);
        _messages[1] = CodecBenchmarks.Sample(MessageType.Heartbeat);
        // Never pause the writer: the whole batch is flushed before it is read.
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    }

    [Benchmark]
    public int WriteCoalesced()
    {
        _output.ResetWrittenCount();
        for (int i = 0; i < Frames; i++)
        {
            Frame.Write(_output, _messages[i & 1]);
        }

        return _output.WrittenCount;
    }

    [Benchmark]
    public int PipeWriteFlushReadDecode()
    {
        PipeWriter writer = _pipe.Writer;
        for (int i = 0; i < Frames; i++)
        {
            Frame.Write(writer, _messages[i & 1]);
        }

        // Completes synchronously: the writer stays below the pause threshold, and the data is then readable
        // without waiting, so PipeReader.TryRead sees it.
        ValueTask<FlushResult> flush = writer.FlushAsync();
        if (!flush.IsCompleted)
        {
            throw new InvalidOperationException("The flush should not have had to wait.");
        }

        int read = 0;
        PipeReader reader = _pipe.Reader;
        while (read < Frames)
        {
            if (!reader.TryRead(out ReadResult result))
            {
                throw new InvalidOperationException("Flushed frames should be readable at once.");
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            try
            {
                while (Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage message) == DecodeResult.Ok)
                {
                    read += (int)message.Type > 0 ? 1 : 0;
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        return read;
    }
}
