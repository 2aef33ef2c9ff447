namespace RtcScamp.Wire;

/// <summary>
/// Identifies one broadcast: the node that originated it and that node's sequence number.
/// Unique as long as an origin never reuses a sequence number.
/// </summary>
public readonly record struct MessageId(NodeId Origin, ulong Sequence)
{
    /// <summary>A deterministic hash mixing origin and sequence (used by the dedup index).</summary>
    public override int GetHashCode()
    {
        ulong x = (Origin.High * 0x9E3779B97F4A7C15UL) ^ (Origin.Low * 0xC2B2AE3D27D4EB4FUL) ^ (Sequence * 0x165667B19E3779F9UL);
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 32;
        return (int)x;
    }

    /// <summary>origin/sequence, for logs.</summary>
    public override string ToString() => $"{Origin.ToShortString()}/{Sequence}";
}
