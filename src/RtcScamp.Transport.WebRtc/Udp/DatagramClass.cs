// RFC 7983 §7 (updating RFC 5764 §5.1.2): one UDP 5-tuple carries STUN, DTLS, TURN channel data and
// SRTP; the first byte tells them apart:
//
//            +----------------+
//            |        [0..3] -+--> STUN
//            |      [16..19] -+--> ZRTP        (dropped here)
//   packet ->|      [20..63] -+--> DTLS
//            |      [64..79] -+--> TURN Channel
//            |    [128..191] -+--> RTP/RTCP    (dropped: data channels only)
//            +----------------+    anything else: dropped
namespace RtcScamp.Transport.WebRtc.Udp;

/// <summary>What a UDP datagram carries, by its first byte (RFC 7983 §7).</summary>
public enum DatagramClass
{
    /// <summary>Empty or a first byte in no assigned range.</summary>
    Unknown,

    /// <summary>0–3: STUN.</summary>
    Stun,

    /// <summary>16–19: ZRTP.</summary>
    Zrtp,

    /// <summary>20–63: DTLS.</summary>
    Dtls,

    /// <summary>64–79: TURN ChannelData.</summary>
    TurnChannel,

    /// <summary>128–191: RTP or RTCP.</summary>
    Rtp,
}

/// <summary>The RFC 7983 first-byte classifier.</summary>
public static class DatagramClassifier
{
    /// <summary>Classifies a datagram by its first byte. Never throws.</summary>
    public static DatagramClass Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return DatagramClass.Unknown;
        }

        return datagram[0] switch
        {
            <= 3 => DatagramClass.Stun,
            >= 16 and <= 19 => DatagramClass.Zrtp,
            >= 20 and <= 63 => DatagramClass.Dtls,
            >= 64 and <= 79 => DatagramClass.TurnChannel,
            >= 128 and <= 191 => DatagramClass.Rtp,
            _ => DatagramClass.Unknown,
        };
    }
}
