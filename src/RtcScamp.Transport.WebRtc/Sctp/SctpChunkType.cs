namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>SCTP chunk types this stack reads or writes (RFC 4960 §3.2, RFC 6525 §3.1).</summary>
internal enum SctpChunkType : byte
{
    Data = 0,
    Init = 1,
    InitAck = 2,
    Sack = 3,
    Heartbeat = 4,
    HeartbeatAck = 5,
    Abort = 6,
    Shutdown = 7,
    ShutdownAck = 8,
    Error = 9,
    CookieEcho = 10,
    CookieAck = 11,
    ShutdownComplete = 14,
    ReConfig = 130,
    ForwardTsn = 192,
}

/// <summary>Flag bits and parameter types used inside chunks.</summary>
internal static class SctpWire
{
    /// <summary>Common header: source port, destination port, verification tag, checksum.</summary>
    public const int CommonHeaderLength = 12;

    /// <summary>Type, flags, length.</summary>
    public const int ChunkHeaderLength = 4;

    /// <summary>Chunk header + TSN, stream identifier, stream sequence number, payload protocol identifier.</summary>
    public const int DataHeaderLength = 16;

    public const byte DataFlagEnd = 0x01;
    public const byte DataFlagBeginning = 0x02;
    public const byte DataFlagUnordered = 0x04;

    /// <summary>ABORT / SHUTDOWN-COMPLETE "T" bit: the verification tag is the sender's own (reflected).</summary>
    public const byte FlagTagReflected = 0x01;

    public const ushort ParamHeartbeatInfo = 1;
    public const ushort ParamStateCookie = 7;
    public const ushort ParamOutgoingSsnResetRequest = 13;
    public const ushort ParamIncomingSsnResetRequest = 14;
    public const ushort ParamReconfigResponse = 16;
    public const ushort ParamSupportedExtensions = 0x8008;

    /// <summary>Rounds a chunk or parameter length up to the 4-byte boundary the padding fills.</summary>
    public static int Pad4(int length) => (length + 3) & ~3;

    /// <summary>Serial number arithmetic on 32-bit TSNs (RFC 1982): true when <paramref name="a"/> is before <paramref name="b"/>.</summary>
    public static bool TsnLess(uint a, uint b) => (int)(a - b) < 0;

    public static bool TsnLessOrEqual(uint a, uint b) => (int)(a - b) <= 0;
}
