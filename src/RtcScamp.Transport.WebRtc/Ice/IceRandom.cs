namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>
/// The randomness an ICE agent needs (tie-breaker, transaction ids, credentials, consent jitter),
/// passed in so that a seeded run is reproducible. The engine's shared seeded generator can implement
/// this interface; until it exists, <see cref="SplitMix64IceRandom"/> is the seeded source.
/// Transaction ids and credentials must be unpredictable to off-path attackers (RFC 8489 §6, RFC 8445
/// §5.3): production drivers seed from a cryptographic source.
/// </summary>
public interface IIceRandom
{
    /// <summary>The next 64 uniformly distributed bits.</summary>
    ulong NextUInt64();
}

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator. Same seed, same sequence.
/// </summary>
public sealed class SplitMix64IceRandom : IIceRandom
{
    private ulong _state;

    /// <summary>Creates a generator from a seed.</summary>
    public SplitMix64IceRandom(ulong seed) => _state = seed;

    /// <inheritdoc/>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
