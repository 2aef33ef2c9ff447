using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests;

public class NodeIdTests
{
    [Fact]
    public void Text_form_round_trips()
    {
        var id = new NodeId(0x0123456789abcdefUL, 0xfedcba9876543210UL);
        Assert.Equal("0123456789abcdeffedcba9876543210", id.ToString());
        Assert.True(NodeId.TryParse(id.ToString(), out NodeId back));
        Assert.Equal(id, back);
    }

    [Fact]
    public void Bytes_are_big_endian()
    {
        var id = new NodeId(1, 2);
        Span<byte> b = stackalloc byte[16];
        id.Write(b);
        Assert.Equal(1, b[7]);
        Assert.Equal(2, b[15]);
        Assert.Equal(id, NodeId.Read(b));
    }
}
