using System.Text;

namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>
/// ICE short-term credentials (RFC 8445 §5.3): ufrag of at least 4 and password of at least 22
/// ice-chars (ALPHA / DIGIT / "+" / "/"). The password bytes are the MESSAGE-INTEGRITY key.
/// </summary>
public sealed class IceCredentials
{
    /// <summary>Creates credentials from signaled text. Throws when either is empty or not ASCII.</summary>
    public IceCredentials(string ufrag, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(ufrag);
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (!Ascii.IsValid(ufrag) || !Ascii.IsValid(password) || ufrag.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("ICE ufrag and password must be ASCII and the ufrag must not contain ':'.");
        }

        Ufrag = ufrag;
        Password = password;
        UfragBytes = Encoding.ASCII.GetBytes(ufrag);
        PasswordBytes = Encoding.ASCII.GetBytes(password);
    }

    /// <summary>The username fragment.</summary>
    public string Ufrag { get; }

    /// <summary>The password.</summary>
    public string Password { get; }

    internal byte[] UfragBytes { get; }

    internal byte[] PasswordBytes { get; }

    /// <summary>Generates fresh credentials: 8-char ufrag (48 bits) and 24-char password (144 bits).</summary>
    public static IceCredentials Generate(IIceRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return new IceCredentials(RandomIceChars(random, 8), RandomIceChars(random, 24));
    }

    private static string RandomIceChars(IIceRandom random, int count)
    {
        Span<char> chars = stackalloc char[count];
        ulong bits = 0;
        int available = 0;
        for (int i = 0; i < count; i++)
        {
            if (available < 6)
            {
                bits = random.NextUInt64();
                available = 64;
            }

            chars[i] = Wire.Signaling.IceCredentials.IceChar((int)(bits & 63));
            bits >>= 6;
            available -= 6;
        }

        return new string(chars);
    }
}
