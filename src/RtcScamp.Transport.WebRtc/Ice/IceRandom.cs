using RtcScamp.Engine.Randomness;

namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>
/// The randomness an ICE agent needs (tie-breaker, transaction ids, credentials, consent jitter),
/// passed in so that a seeded run is reproducible: <see cref="SeededIceRandom"/> in tests and
/// simulations. Transaction ids and credentials must be unpredictable to off-path attackers
/// (RFC 8489 §6, RFC 8445 §5.3): production connections use <see cref="CryptoIceRandom"/>.
/// </summary>
public interface IIceRandom
{
    /// <summary>The next 64 uniformly distributed bits.</summary>
    ulong NextUInt64();
}

/// <summary>
/// The engine's seeded generator (<see cref="Xoshiro256StarStar"/>) as an <see cref="IIceRandom"/>:
/// same seed, same sequence. Not cryptographic.
/// </summary>
public sealed class SeededIceRandom : IIceRandom
{
    private Xoshiro256StarStar _generator;

    /// <summary>Creates a generator from a seed.</summary>
    public SeededIceRandom(ulong seed) => _generator = new Xoshiro256StarStar(seed);

    /// <inheritdoc/>
    public ulong NextUInt64() => _generator.NextUInt64();
}
