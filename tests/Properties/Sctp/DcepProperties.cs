using FsCheck.Xunit;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Sctp;

namespace RtcScamp.Tests.Sctp;

/// <summary>DCEP input is peer input: arbitrary OPEN/ACK bytes and arbitrary PPIDs never make the data-channel layer throw.</summary>
[Properties(MaxTest = 200)]
public class DcepProperties
{
    [Property]
    public bool Open_parser_never_throws_and_round_trips_what_it_accepts(byte[] bytes)
    {
        if (!DcepMessage.TryReadOpen(bytes, out DcepMessage.Open open))
        {
            return true;
        }

        // Re-encoding an accepted OPEN yields a message the parser accepts with the same fields.
        byte[] again = DcepMessage.WriteOpen(open.ChannelType, open.Label, open.Protocol);
        return DcepMessage.TryReadOpen(again, out DcepMessage.Open back)
            && back.Label == open.Label && back.Protocol == open.Protocol && back.ChannelType == open.ChannelType;
    }

    [Property]
    public bool Arbitrary_messages_on_any_stream_and_ppid_never_throw((ushort Stream, byte Ppid, byte[] Body)[] messages)
    {
        var seedA = new byte[32];
        var seedB = new byte[32];
        seedB[0] = 1;
        var raw = new SctpAssociation(new SctpAssociationOptions(), seedA);
        var endpoint = new DataChannelEndpoint(new SctpAssociation(new SctpAssociationOptions(), seedB), isDtlsClient: false, 65536);
        DataChannel mine = endpoint.Open("mine");
        raw.Connect(0);
        endpoint.Connect(0);
        var packet = new byte[1500];
        var read = new byte[300 * 1024];
        int sentIndex = 0;
        for (long now = 0; now < 20_000; now += 10)
        {
            if (raw.State == SctpAssociationState.Established && sentIndex < messages.Length)
            {
                (ushort stream, byte ppid, byte[] body) = messages[sentIndex++];
                byte[] payload = body.Length == 0 ? [3] : body;

                // Half the messages go to PPID 50 (DCEP), the rest anywhere near the data-channel range.
                raw.Send((ushort)(stream % 16), ppid % 2 == 0 ? 50u : 48u + (uint)(ppid % 12), payload, unordered: ppid % 3 == 0);
            }

            int n;
            while ((n = raw.PollTransmit(packet, now)) > 0)
            {
                endpoint.HandlePacket(packet.AsSpan(0, n), now);
            }

            while ((n = endpoint.PollTransmit(packet, now)) > 0)
            {
                raw.HandlePacket(packet.AsSpan(0, n), now);
            }

            while (raw.PollEvent(out SctpEvent ev))
            {
                if (ev.Kind == SctpEventKind.Message)
                {
                    raw.ReadMessage(read);
                }
                else if (ev.Kind == SctpEventKind.IncomingStreamReset)
                {
                    raw.ResetStream(ev.StreamId);
                }
            }

            while (endpoint.PollEvent(out DataChannelEvent ev))
            {
                if (ev.Kind == DataChannelEventKind.Message)
                {
                    endpoint.ReadMessage(read);
                    ev.Channel!.Send(read.AsSpan(0, Math.Min(ev.Length, 100)));
                }
            }

            raw.HandleTimeout(now);
            endpoint.HandleTimeout(now);
        }

        return !endpoint.Association.IsTerminated && mine.State != DataChannelState.Closed;
    }
}
