// The engine's only source of randomness: xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom
// number generators", ACM TOMS 47(4), 2021), seeded through splitmix64 (Steele, Lea & Flood, OOPSLA 2014).
// Written here so the sequence for a seed is fixed by this file alone, never by the .NET version.
//
//   seed ──splitmix64──> s0 s1 s2 s3 ──xoshiro256**──> u64, u64, ...
//                                      └─ Fork(): a child seeded from the parent's next output
using System.Numerics;
using System.Runtime.CompilerServices;

namespace RtcScamp.Engine.Randomness;

/// <summary>
/// A small, fast, seeded pseudo-random generator (xoshiro256**, 32 bytes of state). A mutable struct: keep it in a
/// field and call it through that field (never copy it by value, or two copies will repeat the same sequence).
/// Not cryptographic.
/// </summary>
public struct Xoshiro256StarStar
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Creates a generator whose whole sequence is determined by <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            // The all-zero state is the one fixed point of xoshiro; splitmix64 cannot produce it, but be explicit.
            _s0 = 0x9E3779B97F4A7C15UL;
        }
    }

    /// <summary>A generator with exactly this raw state (for known-answer tests against the reference implementation).</summary>
    internal static Xoshiro256StarStar FromState(ulong s0, ulong s1, ulong s2, ulong s3) =>
        new() { _s0 = s0, _s1 = s1, _s2 = s2, _s3 = s3 };

    /// <summary>The next 64 uniformly distributed bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>
    /// A uniform integer in [0, <paramref name="bound"/>), without modulo bias (Lemire's multiply-and-reject,
    /// "Fast random integer generation in an interval", ACM TOMACS 2019). <paramref name="bound"/> must be positive.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int bound)
    {
        if (bound <= 0)
        {
            ThrowBound();
        }

        ulong range = (ulong)bound;
        ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
        if (low < range)
        {
            ulong threshold = (0UL - range) % range;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), range, out low);
            }
        }

        return (int)high;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A child generator whose sequence is independent of (and does not disturb more than one output of) this one:
    /// seeded from this generator's next output through splitmix64.
    /// </summary>
    public Xoshiro256StarStar Fork() => new(NextUInt64());

    /// <summary>One step of splitmix64: advances <paramref name="state"/> and returns a well-mixed 64-bit value.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBound() => throw new ArgumentOutOfRangeException("bound", "The bound must be positive.");
}
