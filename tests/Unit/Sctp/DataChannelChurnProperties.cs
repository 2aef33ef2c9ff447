using FsCheck.Xunit;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Sctp;
using static RtcScamp.Tests.Sctp.SctpTestPairs;

namespace RtcScamp.Tests.Sctp;

/// <summary>
/// Channel churn over a lossy link: both sides open channels, send, and close them (from either
/// side) at random times, reusing stream ids. Every message sent while its channel was open on the
/// sender arrives exactly once, in order, on the same channel object; every closed channel ends
/// Closed on both sides; nothing throws.
/// </summary>
public class DataChannelChurnProperties
{
    [Property(MaxTest = 60)]
    public bool Random_open_send_close_sequences_stay_consistent(int seed, byte lossPct)
    {
        var a = new ChannelEndpoint(new DataChannelEndpoint(Create(1), isDtlsClient: true, 65536));
        var b = new ChannelEndpoint(new DataChannelEndpoint(Create(2), isDtlsClient: false, 65536));
        var link = new SctpLink(a, b, seed) { Loss = (lossPct % 15) / 100.0, Duplication = 0.02, Reordering = 0.05 };
        a.Endpoint.Connect(0);
        b.Endpoint.Connect(0);
        var rng = new Random(seed);
        var sides = new[] { a, b };

        // Per channel object (sender side): the messages sent while open, in order.
        var sent = new Dictionary<DataChannel, (ChannelEndpoint Owner, List<byte[]> Messages)>();
        var opened = new List<(ChannelEndpoint Owner, DataChannel Channel)>();
        int counter = 0;
        for (int step = 0; step < 60; step++)
        {
            link.RunUntil(() => false, rng.Next(1, 40));
            ChannelEndpoint side = sides[rng.Next(2)];
            int action = rng.Next(10);
            if (action < 2 && side.Endpoint.Channels.Count < 12)
            {
                DataChannel c = side.Endpoint.Open("c" + counter++, ordered: rng.Next(3) != 0);
                opened.Add((side, c));
            }
            else if (action < 3)
            {
                DataChannel? victim = side.Endpoint.Channels.Where(c => c.State == DataChannelState.Open).OrderBy(c => c.Id).FirstOrDefault();
                victim?.Close();
            }
            else
            {
                foreach (DataChannel c in side.Endpoint.Channels.Where(c => c.State is DataChannelState.Open or DataChannelState.Connecting).OrderBy(c => c.Id).ToList())
                {
                    byte[] data = Pattern(rng.Next(0, 4000), counter++);
                    if (c.Send(data) == DataChannelSendResult.Ok)
                    {
                        if (!sent.TryGetValue(c, out var entry))
                        {
                            entry = (side, []);
                            sent[c] = entry;
                        }

                        entry.Messages.Add(data);
                    }
                }
            }
        }

        // Close everything still open and let it settle.
        foreach (ChannelEndpoint side in sides)
        {
            foreach (DataChannel c in side.Endpoint.Channels.ToList())
            {
                c.Close();
            }
        }

        if (!link.RunUntil(() => a.Endpoint.Channels.Count == 0 && b.Endpoint.Channels.Count == 0, 600_000))
        {
            throw new InvalidOperationException($"not closed: {string.Join(",", a.Endpoint.Channels)} / {string.Join(",", b.Endpoint.Channels)}");
        }

        // Messages sent on a channel arrive on the peer's channel with the same id and label, in order.
        foreach ((DataChannel channel, (ChannelEndpoint owner, List<byte[]> messages)) in sent)
        {
            ChannelEndpoint receiver = owner == a ? b : a;
            var got = receiver.Messages.Where(m => m.Channel.Id == channel.Id && m.Channel.Label == channel.Label && m.Channel != channel)
                .Select(m => m.Data).ToList();
            if (got.Count != messages.Count)
            {
                throw new InvalidOperationException($"{channel}: sent {messages.Count}, got {got.Count}");
            }

            bool ordered = channel.Ordered;
            if (ordered && !got.Zip(messages).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
            {
                return false;
            }

            if (!ordered && !got.Select(Convert.ToHexString).Order().SequenceEqual(messages.Select(Convert.ToHexString).Order()))
            {
                return false;
            }
        }

        return opened.All(o => o.Channel.State == DataChannelState.Closed)
            && !a.Endpoint.Association.IsTerminated && !b.Endpoint.Association.IsTerminated;
    }
}
