using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Cli.Commands;

/// <summary><c>rtcscamp signal demo</c> and <c>rtcscamp signal decode</c>: the compact signaling string.</summary>
internal static class SignalCommands
{
    /// <summary>Documentation addresses (RFC 5737) used by the demo.</summary>
    internal static readonly IPEndPoint DemoHost = new(IPAddress.Parse("192.0.2.10"), 50000);

    internal static readonly IPEndPoint DemoSrflx = new(IPAddress.Parse("198.51.100.7"), 61000);

    public static CliCommand Demo { get; } = new(
        ["signal", "demo"],
        "rtcscamp signal demo [--seed N]",
        "make an example offer string, decode it, show a corrupted copy rejected",
        """
        Generates a fresh RtcScamp offer - a random DTLS fingerprint and ICE secret (the same
        ones for the same --seed), a host candidate 192.0.2.10:50000 and a server-reflexive
        candidate 198.51.100.7:61000 (documentation addresses) - prints its compact string and
        length, decodes the string back and prints every field, then changes one character
        and shows that the decoder rejects the copy and says why.

        options:
          --seed N   make the run deterministic (any 64-bit integer)
        """,
        RunDemo);

    public static CliCommand Decode { get; } = new(
        ["signal", "decode"],
        "rtcscamp signal decode <string|->",
        "check a signaling string and print its fields",
        """
        Decodes a compact signaling string ('-' reads it from stdin) and prints its fields, or
        prints what is wrong with it (truncated, invalid character at position N, checksum
        mismatch, ...) and exits with code 1.
        """,
        RunDecode);

    private static int RunDemo(CliContext context)
    {
        (List<string> positionals, Dictionary<string, string> options) = CliArguments.Parse(context.Args, "seed");
        if (positionals.Count > 0)
        {
            throw new CliUsageException($"unexpected argument '{positionals[0]}'");
        }

        long? seed = options.TryGetValue("seed", out string? s) ? CliArguments.ParseInt64("seed", s) : null;
        var random = new DemoRandom(seed);
        byte[] fingerprint = random.Bytes(SignalingBlob.FingerprintLength);
        byte[] secret = random.Bytes(IceCredentials.SecretLength);
        SignalingBlob offer = SignalingBlob.WithSecret(
            SignalingRole.Offer,
            DtlsSetup.ActPass,
            fingerprint,
            secret,
            [
                SignalingCandidate.FromIPAddress(IceCandidateType.Host, DemoHost.Address, (ushort)DemoHost.Port),
                SignalingCandidate.FromIPAddress(IceCandidateType.ServerReflexive, DemoSrflx.Address, (ushort)DemoSrflx.Port),
            ]);

        TextWriter o = context.Out;
        o.WriteLine(seed is long v ? $"Compact signaling string demo (seed {v})" : "Compact signaling string demo (random; --seed N repeats a run)");
        o.WriteLine();
        o.WriteLine("1. A fresh offer: random DTLS fingerprint and ICE secret, two candidates");
        o.WriteLine($"     host  {DemoHost}");
        o.WriteLine($"     srflx {DemoSrflx}");
        o.WriteLine();
        string text = offer.Encode();
        int sdpLength = SdpWriter.Write(CompactSignaling.Expand(offer)).Length;
        o.WriteLine($"2. Its compact string: {text.Length} characters (the same offer as SDP: {sdpLength} bytes)");
        o.WriteLine();
        o.WriteLine("     " + text);
        o.WriteLine();

        SignalingDecodeResult result = SignalingBlob.TryDecode(text, out SignalingBlob decoded, out string error);
        if (result != SignalingDecodeResult.Ok || !decoded.Equals(offer))
        {
            throw new CliFailure($"the demo string did not decode back to the offer: {error}");
        }

        o.WriteLine("3. Decoded back:");
        WriteFields(o, decoded, "     ");
        o.WriteLine();

        int position = random.Int(SignalingBlob.Prefix.Length, text.Length);
        char original = text[position];
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        char replacement = alphabet[(alphabet.IndexOf(original, StringComparison.Ordinal) + random.Int(1, alphabet.Length)) % alphabet.Length];
        string corrupted = string.Concat(text.AsSpan(0, position), replacement.ToString(), text.AsSpan(position + 1));
        SignalingDecodeResult corruptedResult = SignalingBlob.TryDecode(corrupted, out _, out string corruptedError);
        if (corruptedResult == SignalingDecodeResult.Ok)
        {
            throw new CliFailure("a corrupted string was accepted");
        }

        o.WriteLine($"4. One character changed (position {position + 1}: '{original}' -> '{replacement}'):");
        o.WriteLine();
        o.WriteLine("     " + corrupted);
        o.WriteLine("     " + new string(' ', position) + "^");
        o.WriteLine($"     rejected: {corruptedError}");
        o.WriteLine();
        o.WriteLine("Next: 'rtcscamp signal decode <string>' checks a string, 'rtcscamp sdp expand <string>' shows its SDP.");
        return CliApp.Ok;
    }

    private static int RunDecode(CliContext context)
    {
        string text = CliArguments.SingleText(context, "signaling string", SignalingBlob.MaxTextLength * 4);
        if (SignalingBlob.TryDecode(text, out SignalingBlob blob, out string error) != SignalingDecodeResult.Ok)
        {
            throw new CliFailure(error);
        }

        context.Out.WriteLine($"valid signaling string, {text.Trim().Length} characters");
        WriteFields(context.Out, blob, "  ");
        return CliApp.Ok;
    }

    /// <summary>Prints every field of a blob, one per line.</summary>
    internal static void WriteFields(TextWriter o, SignalingBlob blob, string indent)
    {
        o.WriteLine($"{indent}format        rs{SignalingBlob.FormatVersion}");
        o.WriteLine($"{indent}role          {(blob.Role == SignalingRole.Offer ? "offer" : "answer")}");
        o.WriteLine($"{indent}dtls setup    {SdpWriter.SetupName(blob.Setup)}");
        o.WriteLine($"{indent}fingerprint   sha-256 {blob.FormatFingerprint()}");
        o.WriteLine(blob.CredentialsKind == IceCredentialsKind.DerivedFromSecret
            ? $"{indent}ice secret    {Convert.ToHexStringLower(blob.Secret)} (ufrag and pwd derive from it)"
            : $"{indent}ice secret    none (explicit credentials)");
        o.WriteLine($"{indent}ice-ufrag     {blob.IceUfrag}");
        o.WriteLine($"{indent}ice-pwd       {blob.IcePassword}");
        o.WriteLine(blob.MaxMessageSize is uint mms
            ? $"{indent}max-message   {mms.ToString(CultureInfo.InvariantCulture)}"
            : $"{indent}max-message   {SignalingBlob.DefaultMaxMessageSize.ToString(CultureInfo.InvariantCulture)} (default)");
        if (blob.Candidates.IsEmpty)
        {
            o.WriteLine($"{indent}candidates    none (the peer learns this side's address from its checks)");
        }

        for (int i = 0; i < blob.Candidates.Length; i++)
        {
            o.WriteLine($"{indent}candidate {i + 1,-3} {blob.Candidates[i]}");
        }
    }

    /// <summary>
    /// Bytes for the demo: from the OS generator, or - with a seed - SHA-256(seed ‖ counter), so
    /// a seeded run is identical on every machine and .NET version.
    /// </summary>
    private sealed class DemoRandom(long? seed)
    {
        private ulong _counter;

        public byte[] Bytes(int n)
        {
            var bytes = new byte[n];
            if (seed is not long s)
            {
                RandomNumberGenerator.Fill(bytes);
                return bytes;
            }

            Span<byte> input = stackalloc byte[16];
            Span<byte> block = stackalloc byte[32];
            for (int o = 0; o < n; o += 32)
            {
                BinaryPrimitives.WriteInt64BigEndian(input, s);
                BinaryPrimitives.WriteUInt64BigEndian(input[8..], _counter++);
                SHA256.HashData(input, block);
                block[..Math.Min(32, n - o)].CopyTo(bytes.AsSpan(o));
            }

            return bytes;
        }

        /// <summary>Uniform-enough integer in [min, max) for picking a demo position.</summary>
        public int Int(int min, int max) => min + (int)(BinaryPrimitives.ReadUInt32BigEndian(Bytes(4)) % (uint)(max - min));
    }
}
