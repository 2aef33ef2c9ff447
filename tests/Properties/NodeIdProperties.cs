using FsCheck.Xunit;
using RtcScamp.Wire;

namespace RtcScamp.Tests;

public class NodeIdProperties
{
    [Property]
    public bool Bytes_round_trip(ulong hi, ulong lo)
    {
        var id = new NodeId(hi, lo);
        Span<byte> b = stackalloc byte[16];
        id.Write(b);
        return NodeId.Read(b) == id;
    }
}
