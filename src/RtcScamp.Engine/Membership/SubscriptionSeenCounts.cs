using System.Runtime.CompilerServices;
using RtcScamp.Wire;

namespace RtcScamp.Engine.Membership;

/// <summary>
/// Anti-loop guard state (DESIGN.md §3): how many copies of each recent subscriber's subscription this node has
/// handled. Four inline entries, least recently seen replaced, counts forgotten after a window: constant memory
/// (128 bytes) inside the node, no allocation.
/// </summary>
internal struct SubscriptionSeenCounts
{
    private SeenEntries _entries;

    /// <summary>Counts one more copy for <paramref name="subscriber"/> and returns its count within the window.</summary>
    public int Increment(NodeId subscriber, long now, long window)
    {
        int victim = 0;
        long oldest = long.MaxValue;
        for (int i = 0; i < SeenEntries.Length; i++)
        {
            ref SeenEntry e = ref _entries[i];
            if (e.Count > 0 && e.Subscriber == subscriber)
            {
                if (now - e.LastSeen > window)
                {
                    e.Count = 0;
                }

                e.Count++;
                e.LastSeen = now;
                return e.Count;
            }

            long age = e.Count == 0 ? long.MinValue : e.LastSeen;
            if (age < oldest)
            {
                oldest = age;
                victim = i;
            }
        }

        _entries[victim] = new SeenEntry { Subscriber = subscriber, LastSeen = now, Count = 1 };
        return 1;
    }

    private struct SeenEntry
    {
        public NodeId Subscriber;
        public long LastSeen;
        public int Count;
    }

    [InlineArray(Length)]
    private struct SeenEntries
    {
        public const int Length = 4;
        private SeenEntry _element0;
    }
}
