namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>Which side of the DTLS handshake this endpoint plays.</summary>
public enum DtlsRole
{
    /// <summary>Sends the ClientHello (SDP <c>a=setup:active</c>).</summary>
    Client,

    /// <summary>Waits for the ClientHello (SDP <c>a=setup:passive</c>).</summary>
    Server,
}

/// <summary>The SDP <c>a=setup</c> attribute value (RFC 4145 §4, as used by RFC 5763 §5 and RFC 8842 §5.1).</summary>
public enum DtlsSetup
{
    /// <summary><c>actpass</c>: the offerer lets the answerer choose (an offer must use it, RFC 8842 §5.2).</summary>
    ActPass,

    /// <summary><c>active</c>: this side opens the association, i.e. is the DTLS client.</summary>
    Active,

    /// <summary><c>passive</c>: this side accepts, i.e. is the DTLS server.</summary>
    Passive,
}

/// <summary>Maps a pair of <c>a=setup</c> values to DTLS roles.</summary>
public static class DtlsSetupRules
{
    /// <summary>
    /// Resolves this side's DTLS role from its own and the peer's <c>a=setup</c> values. Exactly one side
    /// must end up active: actpass meets active/passive and takes the other role; actpass/actpass and
    /// active/active or passive/passive are invalid (the answer must choose, RFC 8842 §5.3).
    /// </summary>
    public static bool TryResolveLocalRole(DtlsSetup local, DtlsSetup remote, out DtlsRole role)
    {
        role = default;
        switch (local, remote)
        {
            case (DtlsSetup.Active, DtlsSetup.Passive or DtlsSetup.ActPass):
                role = DtlsRole.Client;
                return true;
            case (DtlsSetup.Passive, DtlsSetup.Active or DtlsSetup.ActPass):
                role = DtlsRole.Server;
                return true;
            case (DtlsSetup.ActPass, DtlsSetup.Active):
                role = DtlsRole.Server;
                return true;
            case (DtlsSetup.ActPass, DtlsSetup.Passive):
                role = DtlsRole.Client;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Parses <c>actpass</c>, <c>active</c> or <c>passive</c> (case-insensitive). <c>holdconn</c> is not supported.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DtlsSetup setup)
    {
        if (text.Equals("actpass", StringComparison.OrdinalIgnoreCase))
        {
            setup = DtlsSetup.ActPass;
            return true;
        }

        if (text.Equals("active", StringComparison.OrdinalIgnoreCase))
        {
            setup = DtlsSetup.Active;
            return true;
        }

        if (text.Equals("passive", StringComparison.OrdinalIgnoreCase))
        {
            setup = DtlsSetup.Passive;
            return true;
        }

        setup = default;
        return false;
    }

    /// <summary>The SDP token for a setup value.</summary>
    public static string ToToken(DtlsSetup setup) => setup switch
    {
        DtlsSetup.ActPass => "actpass",
        DtlsSetup.Active => "active",
        DtlsSetup.Passive => "passive",
        _ => throw new ArgumentOutOfRangeException(nameof(setup)),
    };
}
