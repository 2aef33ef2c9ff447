namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>
/// Candidate pair states (RFC 8445 §6.1.2.6):
/// <code>
///  Frozen ──unfreeze──> Waiting ──check sent──> InProgress ──success──> Succeeded
///                          ^                        │ failure/timeout
///                          └──triggered check────── Failed
/// </code>
/// </summary>
public enum IcePairState
{
    /// <summary>Not checked until another pair of the same foundation succeeds or nothing else waits.</summary>
    Frozen,

    /// <summary>Ready to be checked at the next pacing slot.</summary>
    Waiting,

    /// <summary>A check is outstanding.</summary>
    InProgress,

    /// <summary>A check produced a valid pair.</summary>
    Succeeded,

    /// <summary>The check failed or timed out.</summary>
    Failed,
}

/// <summary>A local base paired with a remote candidate.</summary>
public sealed class IceCandidatePair
{
    internal IceCandidatePair(IceCandidate local, IceCandidate remote, long order)
    {
        Local = local;
        Remote = remote;
        Order = order;
    }

    /// <summary>The local candidate (a host candidate: checks go out from the base).</summary>
    public IceCandidate Local { get; }

    /// <summary>The remote candidate.</summary>
    public IceCandidate Remote { get; }

    /// <summary>Pair priority for the current roles (RFC 8445 §6.1.2.3).</summary>
    public ulong Priority { get; internal set; }

    /// <summary>The check state.</summary>
    public IcePairState State { get; internal set; }

    /// <summary>True once the pair has been nominated (by our USE-CANDIDATE or the peer's).</summary>
    public bool Nominated { get; internal set; }

    /// <summary>Controlled side: the peer sent USE-CANDIDATE; nominate once our check succeeds.</summary>
    internal bool NominateOnSuccess { get; set; }

    /// <summary>Insertion order: breaks priority ties deterministically.</summary>
    internal long Order { get; }

    /// <summary>True when another pair has the same foundation pair.</summary>
    internal bool SameFoundation(IceCandidatePair other) =>
        string.Equals(Local.Foundation, other.Local.Foundation, StringComparison.Ordinal) &&
        string.Equals(Remote.Foundation, other.Remote.Foundation, StringComparison.Ordinal);

    /// <summary>
    /// RFC 8445 §6.1.2.3: 2^32·MIN(G,D) + 2·MAX(G,D) + (G &gt; D ? 1 : 0), G the controlling agent's
    /// candidate priority and D the controlled agent's.
    /// </summary>
    public static ulong ComputePriority(uint controlling, uint controlled) =>
        ((ulong)Math.Min(controlling, controlled) << 32) + (2UL * Math.Max(controlling, controlled)) + (controlling > controlled ? 1UL : 0UL);

    internal void UpdatePriority(bool localIsControlling) =>
        Priority = localIsControlling ? ComputePriority(Local.Priority, Remote.Priority) : ComputePriority(Remote.Priority, Local.Priority);

    /// <inheritdoc/>
    public override string ToString() => $"{Local.EndPoint} -> {Remote.EndPoint} {State}{(Nominated ? " nominated" : "")}";
}
