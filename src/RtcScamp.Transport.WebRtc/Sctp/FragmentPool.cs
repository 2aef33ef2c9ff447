using System.Numerics;

namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>
/// Per-association pool of payload arrays in power-of-two size classes (16 B … 64 KiB). Unlike the
/// shared ArrayPool it keeps every returned array, so a burst of a full receive window of fragments
/// is served without allocating once it has been seen; what it retains is bounded by the peak the
/// receive window allows, and it is emptied when the association ends. Single-threaded.
/// </summary>
internal sealed class FragmentPool
{
    private const int MinShift = 4;
    private const int Classes = 13;
    private readonly Stack<byte[]>?[] _classes = new Stack<byte[]>?[Classes];

    public byte[] Rent(int length)
    {
        int c = Class(length);
        Stack<byte[]>? stack = _classes[c];
        return stack is { Count: > 0 } ? stack.Pop() : new byte[1 << (c + MinShift)];
    }

    public void Return(byte[] array)
    {
        int c = Class(array.Length);
        if ((1 << (c + MinShift)) == array.Length)
        {
            (_classes[c] ??= new Stack<byte[]>()).Push(array);
        }
    }

    public void Clear() => Array.Clear(_classes);

    private static int Class(int length) => Math.Max(0, BitOperations.Log2((uint)Math.Max(1, length) - 1) + 1 - MinShift);
}
