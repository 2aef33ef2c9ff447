using RtcScamp.Transport.WebRtc.Sctp;
using Xunit;

namespace RtcScamp.Tests.Sctp;

/// <summary>
/// Guards the benchmark's "0 B per message" claim: once pools and rings have grown, sending,
/// shuttling, acknowledging and reading messages allocates nothing on this thread.
/// </summary>
public class SctpAllocationTests
{
    [Theory]
    [InlineData(1024)]
    [InlineData(64 * 1024)]
    public void Steady_state_messages_allocate_nothing(int size)
    {
        var pair = new SctpInMemoryPair();
        byte[] message = SctpTestPairs.Pattern(size, 1);
        for (int i = 0; i < 300; i++)
        {
            pair.Transfer(message);
        }

        int rounds = 0;
        long allocated = AllocationProbe.MinAllocatedBytes(() =>
        {
            for (int i = 0; i < 300; i++)
            {
                pair.Transfer(message);
                rounds++;
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(300 + rounds, pair.Delivered);
    }
}
