using System.Net;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Identity;
using Xunit;

namespace RtcScamp.Tests.DataChannels;

/// <summary>Runs alone: it counts every thread's allocations, so no other test may allocate meanwhile.</summary>
[CollectionDefinition(nameof(ProcessWideAllocation), DisableParallelization = true)]
public sealed class ProcessWideAllocation;

/// <summary>
/// Guards "0 B per data-channel message" over the whole stack on real sockets: RtcDataChannel.Send,
/// SCTP, our DTLS record layer, sendto, the receive thread's recvfrom, decryption, reassembly and the
/// receiving handler, SACKs back. The work runs on several threads (the sender, both drivers' receive
/// and timer threads), so this counts the process's allocations, not one thread's: all of them must be
/// zero. As in <see cref="AllocationProbe"/>, the smallest of a few attempts counts, so a one-time
/// runtime allocation elsewhere in the process (tier-up, the test host) cannot fail it.
/// </summary>
[Collection(nameof(ProcessWideAllocation))]
public sealed class DataChannelAllocationTests
{
    private const long HighWater = 1024 * 1024;
    private static readonly IPEndPoint s_loopback = new(IPAddress.Loopback, 0);
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1024, 4096)]
    [InlineData(64 * 1024, 96)]
    public async Task Steady_state_messages_over_sockets_allocate_nothing_per_message(int size, int count)
    {
        // Declared before the drivers so they outlive them: closing raises BufferedAmountLow.
        using var arrived = new SemaphoreSlim(0);
        using var low = new SemaphoreSlim(0);
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (PeerConnection sender, PeerConnection receiver) = await PeerDataChannelTests.ConnectAsync(a, b);
        long received = 0;
        long target = (long)size * count;
        receiver.IncomingDataChannel += c => c.MessageReceived += (_, m, _) =>
        {
            received += m.Length;
            if (received == target)
            {
                received = 0;
                arrived.Release();
            }
        };
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RtcDataChannel channel = sender.CreateDataChannel("alloc");
        channel.Opened += _ => opened.TrySetResult();
        channel.BufferedAmountLowThreshold = HighWater / 4;
        channel.BufferedAmountLow += _ => low.Release();
        await opened.Task.WaitAsync(s_wait, TestContext.Current.CancellationToken);
        byte[] message = new byte[size];
        Random.Shared.NextBytes(message);

        void Burst()
        {
            for (int i = 0; i < count; i++)
            {
                while (channel.BufferedAmount >= HighWater)
                {
                    while (low.Wait(0))
                    {
                    }

                    if (channel.BufferedAmount >= HighWater)
                    {
                        Assert.True(low.Wait(s_wait));
                    }
                }

                // Not Assert.Equal: it allocates per call.
                if (channel.Send(message) != DataChannelSendResult.Ok)
                {
                    Assert.Fail("send refused");
                }
            }

            Assert.True(arrived.Wait(s_wait));
        }

        Burst(); // pools, rings, windows and the JIT settle
        Burst();
        long min = long.MaxValue;
        for (int attempt = 0; attempt < 5 && min != 0; attempt++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            Burst();
            min = Math.Min(min, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        Assert.True(min == 0, $"{min} B for {count} messages of {size} B");
    }
}
