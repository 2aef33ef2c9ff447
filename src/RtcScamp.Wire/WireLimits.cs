namespace RtcScamp.Wire;

/// <summary>
/// Bounds every decoder enforces before it allocates or waits for more bytes.
/// A violation is reported as a typed result, never an exception.
/// </summary>
public sealed record WireLimits
{
    /// <summary>Hard cap on the route length any build accepts (hops); the configured value may be lower.</summary>
    public const int MaxRouteLength = 32;

    /// <summary>Defaults: 1 MiB frames, 256 KiB payloads, routes of up to 16 hops, 512-byte contacts.</summary>
    public static WireLimits Default { get; } = new();

    /// <summary>Largest frame body (after the length prefix) accepted, in bytes.</summary>
    public int MaxFrameLength { get; init; } = 1 << 20;

    /// <summary>Largest broadcast or signaling payload, in bytes.</summary>
    public int MaxPayloadLength { get; init; } = 256 * 1024;

    /// <summary>Longest route (in NodeIds) accepted; at most <see cref="MaxRouteLength"/>.</summary>
    public int MaxRoute { get; init; } = 16;

    /// <summary>Largest contact blob (an endpoint or compact signaling blob), in bytes.</summary>
    public int MaxContactLength { get; init; } = 512;
}
