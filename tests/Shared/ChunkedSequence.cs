using System.Buffers;

namespace RtcScamp.Tests.Wire;

/// <summary>Builds a multi-segment ReadOnlySequence from chunks, the way a PipeReader hands over received data.</summary>
internal sealed class ChunkedSequence : ReadOnlySequenceSegment<byte>
{
    private ChunkedSequence(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Create(byte[] bytes, params int[] cuts)
    {
        var first = new ChunkedSequence(ReadOnlyMemory<byte>.Empty, 0);
        ChunkedSequence last = first;
        int start = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            // Copy each chunk so no segment shares an array with its neighbour.
            var chunk = new ChunkedSequence(bytes.AsSpan(start, cut - start).ToArray(), start);
            last.Next = chunk;
            last = chunk;
            start = cut;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
