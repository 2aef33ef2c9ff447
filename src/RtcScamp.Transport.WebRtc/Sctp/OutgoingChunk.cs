namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>
/// One DATA chunk's worth of a queued message, from Send until the peer's cumulative ack. Instances
/// and their payload arrays are pooled by the association, so steady-state sending allocates nothing.
/// </summary>
internal sealed class OutgoingChunk
{
    public OutgoingChunk(int capacity) => Data = new byte[capacity];

    public byte[] Data { get; }

    public int Length;
    public ushort StreamId;
    public ushort Ssn;
    public uint Ppid;
    public byte Flags;
    public uint Tsn;
    public OutgoingStream Stream = null!;

    /// <summary>Next chunk in its stream's unsent queue.</summary>
    public OutgoingChunk? Next;

    public long SentAt;
    public int Transmissions;

    /// <summary>Counted in the flight size: sent and neither acked nor marked for retransmission.</summary>
    public bool InFlight;

    /// <summary>Reported in a gap ack block (our receivers never renege; see T3 handling).</summary>
    public bool GapAcked;

    public bool NeedsRetransmit;

    /// <summary>RFC 4960 §7.2.4: a TSN is fast-retransmitted at most once.</summary>
    public bool FastRetransmitted;

    public int MissIndications;

    public void Reset()
    {
        Length = 0;
        Next = null;
        Stream = null!;
        Transmissions = 0;
        InFlight = false;
        GapAcked = false;
        NeedsRetransmit = false;
        FastRetransmitted = false;
        MissIndications = 0;
    }
}

/// <summary>Per-stream sending state: unsent chunks, next SSN, buffered bytes and the reset progress (RFC 6525).</summary>
internal sealed class OutgoingStream
{
    /// <summary>Unsent chunks of this stream, in SSN order.</summary>
    public OutgoingChunk? Head;
    public OutgoingChunk? Tail;

    /// <summary>Next stream in the round-robin queue of streams with unsent chunks.</summary>
    public OutgoingStream? NextActive;
    public bool Active;

    public ushort NextSsn;
    public long Buffered;
    public long LowThreshold;

    /// <summary>Chunks of this stream not yet given a TSN; a reset request waits until this is 0.</summary>
    public int Unsent;

    public OutgoingResetState Reset;

    /// <summary>ResetStream was called again while a request for the stream was in flight.</summary>
    public bool ResetAgain;
}

internal enum OutgoingResetState : byte
{
    None,

    /// <summary>Close requested; the request goes out once every chunk of the stream has a TSN.</summary>
    Queued,

    /// <summary>In the outstanding Outgoing SSN Reset Request.</summary>
    Requested,
}
