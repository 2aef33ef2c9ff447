namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// The receive-side anti-replay window of one epoch (RFC 6347 §4.1.2.6): the highest 48-bit sequence
/// number authenticated so far and a 64-bit bitmap of which of the 64 numbers at and below it were seen.
/// <code>
///   bit i of _seen  ⇔  record (_highest - i) was authenticated
///
///      _highest-63 ......................... _highest-1  _highest   _highest+1 ...
///   ───[ too old: discard ]──[ in window: discard if its bit is set ]──[ new: accept ]
/// </code>
/// <see cref="ShouldDiscard"/> is checked before decryption (cheap rejection of replays and stale
/// records); <see cref="Accept"/> only after the record authenticated, so forged records cannot move
/// the window (§4.1.2.6: "the receive window is updated only if the MAC verification succeeds").
/// </summary>
internal struct DtlsReplayWindow
{
    private const int Size = 64;

    private ulong _highest;
    private ulong _seen;
    private bool _any;

    /// <summary>True if a record with this sequence number must be dropped: already seen, or older than the window.</summary>
    public readonly bool ShouldDiscard(ulong sequence)
    {
        if (!_any || sequence > _highest)
        {
            return false;
        }

        ulong age = _highest - sequence;
        return age >= Size || (_seen & (1UL << (int)age)) != 0;
    }

    /// <summary>Marks an authenticated record's sequence number as seen, sliding the window forward if it is the newest.</summary>
    public void Accept(ulong sequence)
    {
        if (!_any)
        {
            _any = true;
            _highest = sequence;
            _seen = 1;
            return;
        }

        if (sequence > _highest)
        {
            ulong shift = sequence - _highest;
            _seen = shift >= Size ? 1 : (_seen << (int)shift) | 1;
            _highest = sequence;
            return;
        }

        ulong age = _highest - sequence;
        if (age < Size)
        {
            _seen |= 1UL << (int)age;
        }
    }
}
