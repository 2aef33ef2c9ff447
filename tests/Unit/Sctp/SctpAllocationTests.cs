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
        var pair = new InMemoryPair();
        byte[] message = SctpTestPairs.Pattern(size, 1);
        for (int i = 0; i < 300; i++)
        {
            pair.RoundTrip(message);
        }

        int rounds = 0;
        long allocated = AllocationProbe.MinAllocatedBytes(() =>
        {
            for (int i = 0; i < 300; i++)
            {
                pair.RoundTrip(message);
                rounds++;
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(300 + rounds, pair.Delivered);
    }

    /// <summary>Zero-latency shuttle without collections or closures, so only the stack itself can allocate.</summary>
    private sealed class InMemoryPair
    {
        private readonly SctpAssociation _a = SctpTestPairs.Create(1);
        private readonly SctpAssociation _b = SctpTestPairs.Create(2);
        private readonly byte[] _packet = new byte[1500];
        private readonly byte[] _read = new byte[256 * 1024];
        private long _now;

        public InMemoryPair()
        {
            _a.Connect(0);
            _b.Connect(0);
            while (_a.State != SctpAssociationState.Established || _b.State != SctpAssociationState.Established)
            {
                Shuttle();
            }

            while (_a.PollEvent(out _) || _b.PollEvent(out _))
            {
            }
        }

        public int Delivered { get; private set; }

        public void RoundTrip(byte[] message)
        {
            if (_a.Send(1, 53, message) != SctpSendResult.Ok)
            {
                throw new InvalidOperationException("send refused");
            }

            int target = Delivered + 1;
            while (Delivered < target || _a.BufferedAmount > 0)
            {
                Shuttle();
            }
        }

        private void Shuttle()
        {
            _now++;
            bool moved = Move(_a, _b) | Move(_b, _a);
            while (_b.PollEvent(out SctpEvent ev))
            {
                if (ev.Kind == SctpEventKind.Message)
                {
                    _b.ReadMessage(_read);
                    Delivered++;
                }
            }

            while (_a.PollEvent(out _))
            {
            }

            if (!moved)
            {
                _now = Math.Max(_now, Math.Min(_a.PollTimeout(), _b.PollTimeout()));
                _a.HandleTimeout(_now);
                _b.HandleTimeout(_now);
            }
        }

        private bool Move(SctpAssociation from, SctpAssociation to)
        {
            bool any = false;
            int n;
            while ((n = from.PollTransmit(_packet, _now)) > 0)
            {
                to.HandlePacket(_packet.AsSpan(0, n), _now);
                any = true;
            }

            return any;
        }
    }
}
