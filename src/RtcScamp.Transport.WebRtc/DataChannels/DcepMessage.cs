using System.Buffers.Binary;
using System.Text;

namespace RtcScamp.Transport.WebRtc.DataChannels;

/// <summary>Payload protocol identifiers WebRTC uses on SCTP DATA chunks (RFC 8831 §8, RFC 8832 §8.1).</summary>
internal static class DataChannelPpid
{
    public const uint Dcep = 50;
    public const uint String = 51;
    public const uint Binary = 53;
    public const uint StringEmpty = 56;
    public const uint BinaryEmpty = 57;
}

/// <summary>DCEP channel types (RFC 8832 §5.1). Only the two reliable ones are supported.</summary>
public enum DataChannelType : byte
{
    ReliableOrdered = 0x00,
    PartialReliableRexmit = 0x01,
    PartialReliableTimed = 0x02,
    ReliableUnordered = 0x80,
    PartialReliableRexmitUnordered = 0x81,
    PartialReliableTimedUnordered = 0x82,
}

/// <summary>
/// Data Channel Establishment Protocol messages (RFC 8832 §5), carried on PPID 50.
/// <code>
/// DATA_CHANNEL_OPEN                                   DATA_CHANNEL_ACK
///  0                   1                   2                   3
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  +-+-+-+-+-+-+-+-+
/// |  Type = 0x03  |  Channel Type |            Priority           |  | Type = 0x02   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  +-+-+-+-+-+-+-+-+
/// |                    Reliability Parameter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Label Length          |       Protocol Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Label (UTF-8)  |  Protocol (UTF-8)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class DcepMessage
{
    public const byte TypeAck = 0x02;
    public const byte TypeOpen = 0x03;

    /// <summary>"Normal" priority (RFC 8832 §5.1, from RFC 8831's priority levels).</summary>
    public const ushort PriorityNormal = 256;

    public readonly record struct Open(DataChannelType ChannelType, ushort Priority, uint Reliability, string Label, string Protocol);

    public static byte[] WriteOpen(DataChannelType type, string label, string protocol)
    {
        int labelLength = Encoding.UTF8.GetByteCount(label);
        int protocolLength = Encoding.UTF8.GetByteCount(protocol);
        if (labelLength > ushort.MaxValue || protocolLength > ushort.MaxValue)
        {
            throw new ArgumentException("Label and protocol must each encode to at most 65535 UTF-8 bytes.");
        }

        var message = new byte[12 + labelLength + protocolLength];
        message[0] = TypeOpen;
        message[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), PriorityNormal);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(8), (ushort)labelLength);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(10), (ushort)protocolLength);
        Encoding.UTF8.GetBytes(label, message.AsSpan(12));
        Encoding.UTF8.GetBytes(protocol, message.AsSpan(12 + labelLength));
        return message;
    }

    /// <summary>Parses an OPEN; false when lengths disagree with the message size or the type byte is unknown.</summary>
    public static bool TryReadOpen(ReadOnlySpan<byte> message, out Open open)
    {
        open = default;
        if (message.Length < 12 || message[0] != TypeOpen)
        {
            return false;
        }

        var type = (DataChannelType)message[1];
        if (!Enum.IsDefined(type))
        {
            return false;
        }

        int labelLength = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int protocolLength = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if (message.Length != 12 + labelLength + protocolLength)
        {
            return false;
        }

        open = new Open(
            type,
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(message[4..]),
            Encoding.UTF8.GetString(message.Slice(12, labelLength)),
            Encoding.UTF8.GetString(message.Slice(12 + labelLength, protocolLength)));
        return true;
    }
}
