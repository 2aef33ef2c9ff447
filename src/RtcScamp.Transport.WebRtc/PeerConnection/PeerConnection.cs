// PeerConnection: one WebRTC data-channel transport to one remote peer — an ICE agent (RFC 8445)
// and a DTLS 1.2 endpoint (RFC 6347, RFC 8827 §6.5) stacked on one UDP socket shared with other
// peers (WebRtcUdpDriver, RFC 7983 demultiplexing). SCTP (RFC 8261) is the layer above: it sends
// and receives DTLS application data through SendApplicationData / ApplicationDataReceived.
//
// Manual offer/answer (JSEP, RFC 8829 §5) over compact signaling strings (docs/signaling.md):
//
//   offerer                                         answerer
//   CreateOffer() ── "rs1…" (actpass, ICE secret, fingerprint, host candidate) ──▶ TryAcceptOffer()
//   TryAcceptAnswer() ◀── "rs1…" (active, its secret, fingerprint, host candidate) ──┘
//
//   ICE: the offerer controls and nominates (RFC 8445 §6.1.1, JSEP).
//   DTLS: offerer actpass + answerer active ⇒ answerer = DTLS client, offerer = server (RFC 8842 §5).
//   The peer's certificate must hash to its signaled fingerprint (RFC 8122 §5); its NodeId is
//   derived from the key it proved (DESIGN.md "Identity").
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire;
using RtcScamp.Wire.Signaling;
using IceCandidateType = RtcScamp.Transport.WebRtc.Ice.IceCandidateType;
using IceCredentials = RtcScamp.Transport.WebRtc.Ice.IceCredentials;
using SignalingCandidateType = RtcScamp.Wire.Signaling.IceCandidateType;
using DtlsSetup = RtcScamp.Transport.WebRtc.Dtls.DtlsSetup;
using SignalingDtlsSetup = RtcScamp.Wire.Signaling.DtlsSetup;

namespace RtcScamp.Transport.WebRtc;

/// <summary>Receives decrypted DTLS application data (one SCTP packet per call) on the driver's loop.</summary>
/// <param name="connection">The connection it arrived on.</param>
/// <param name="data">The plaintext; valid only during the call.</param>
public delegate void ApplicationDataHandler(PeerConnection connection, ReadOnlySpan<byte> data);

/// <summary>
/// One WebRTC transport to one remote peer: ICE + DTLS on a <see cref="WebRtcUdpDriver"/>'s socket,
/// set up by exchanging compact signaling strings (<see cref="CreateOffer"/>, <see cref="TryAcceptOffer"/>,
/// <see cref="TryAcceptAnswer"/>). Once <see cref="Connected"/> fired, <see cref="SendApplicationData"/> and
/// <see cref="ApplicationDataReceived"/> carry the layer above (SCTP) through DTLS.
/// </summary>
/// <remarks>
/// No thread of its own: the driver's receive and timer loops run it, and the DTLS layer uses one
/// thread only while its handshake runs. Events (<see cref="Connected"/>, <see cref="Failed"/>,
/// <see cref="Closed"/>, <see cref="ApplicationDataReceived"/>) are raised on a driver loop while it
/// holds the driver's lock: handlers must not block, and may call back into the connection. All
/// public members are thread-safe. Bad remote strings are reported, never thrown.
/// </remarks>
public sealed partial class PeerConnection : IDisposable
{
    private readonly WebRtcUdpDriver _driver;
    private readonly NodeIdentity _identity;
    private readonly PeerConnectionOptions _options;
    private readonly IIceRandom _random;
    private readonly byte[] _secret = new byte[Wire.Signaling.IceCredentials.SecretLength];
    private readonly IceCredentials _localCredentials;
    private IceAgent? _agent;
    private DtlsEndpoint? _dtls;
    private IPEndPoint? _dtlsRemote;
    private SocketAddress? _dtlsRemoteAddress;
    private bool _iceWasConnected;
    private PeerConnectionState _state;

    internal PeerConnection(WebRtcUdpDriver driver, NodeIdentity identity, PeerConnectionOptions options)
    {
        _driver = driver;
        _identity = identity;
        _options = options;
        _random = options.Random ?? CryptoIceRandom.Shared;
        if (options.Random is null)
        {
            RandomNumberGenerator.Fill(_secret);
        }
        else
        {
            BitConverter.TryWriteBytes(_secret, _random.NextUInt64());
            BitConverter.TryWriteBytes(_secret.AsSpan(8), _random.NextUInt64());
        }

        (string ufrag, string password) = Wire.Signaling.IceCredentials.Derive(_secret);
        _localCredentials = new IceCredentials(ufrag, password);
    }

    /// <summary>Raised once when ICE and DTLS are up and the peer's fingerprint is verified.</summary>
    public event Action<PeerConnection>? Connected;

    /// <summary>Raised once when the connection fails (terminal).</summary>
    public event Action<PeerConnection, PeerConnectionFailure>? Failed;

    /// <summary>Raised once when the connection closes cleanly (terminal).</summary>
    public event Action<PeerConnection>? Closed;

    /// <summary>DTLS application data (SCTP packets) from the peer, after <see cref="Connected"/>.</summary>
    public ApplicationDataHandler? ApplicationDataReceived { get; set; }

    /// <summary>The driver (socket) this connection runs on.</summary>
    public WebRtcUdpDriver Driver => _driver;

    /// <summary>Current state.</summary>
    public PeerConnectionState State
    {
        get
        {
            lock (_driver.Gate)
            {
                return _state;
            }
        }
    }

    /// <summary>After <see cref="PeerConnectionState.Failed"/>: why.</summary>
    public PeerConnectionFailure Failure { get; private set; }

    /// <summary>After <see cref="Connected"/>: the verified SHA-256 fingerprint of the peer's certificate.</summary>
    public CertificateFingerprint RemoteFingerprint { get; private set; }

    /// <summary>After <see cref="Connected"/>: the NodeId derived from the peer's proven key.</summary>
    public NodeId RemoteNodeId { get; private set; }

    /// <summary>This side's DTLS role, once descriptions are exchanged.</summary>
    public DtlsRole? DtlsRole => _dtls?.Role;

    /// <summary>What protects application data once connected (our own DTLS record layer, normally AES-128-GCM); None before.</summary>
    public DtlsRecordProtection DtlsRecordProtection => _dtls?.RecordProtection ?? DtlsRecordProtection.None;

    /// <summary>True if this side is the ICE controlling agent (the offerer).</summary>
    public bool IsIceControlling => _agent?.IsControlling ?? false;

    /// <summary>The ICE pair in use, or null before ICE selected one.</summary>
    public IceCandidatePair? SelectedPair
    {
        get
        {
            lock (_driver.Gate)
            {
                return _agent?.SelectedPair;
            }
        }
    }

    /// <summary>After <see cref="Connected"/>: the largest payload <see cref="SendApplicationData"/> takes.</summary>
    public int MaxApplicationDataSize => _dtls?.MaxApplicationDataSize ?? 0;

    /// <summary>This side's ICE username fragment (the key the driver routes STUN by).</summary>
    public string LocalUfrag => _localCredentials.Ufrag;

    internal IceAgent? Agent => _agent;

    /// <summary>
    /// Starts as the offerer (ICE controlling, DTLS <c>actpass</c>) and returns the offer as a compact
    /// string. The agent answers the peer's checks from now on, so the answer may come minutes later.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not in <see cref="PeerConnectionState.New"/>.</exception>
    public string CreateOffer()
    {
        lock (_driver.Gate)
        {
            RequireState(PeerConnectionState.New, nameof(CreateOffer));
            CreateAgent(controlling: true);
            SetState(PeerConnectionState.HaveLocalOffer);
            return LocalBlob(SignalingRole.Offer, SignalingDtlsSetup.ActPass).Encode();
        }
    }

    /// <summary>
    /// Answers a compact offer: becomes ICE controlled and DTLS client (<c>active</c>), starts
    /// connectivity checks, and returns the answer string to send back.
    /// </summary>
    /// <returns>False (with <paramref name="error"/>) if the text is not a valid offer; the connection stays New.</returns>
    /// <exception cref="InvalidOperationException">Not in <see cref="PeerConnectionState.New"/>.</exception>
    public bool TryAcceptOffer(string offer, [NotNullWhen(true)] out string? answer, out string error)
    {
        ArgumentNullException.ThrowIfNull(offer);
        answer = null;
        lock (_driver.Gate)
        {
            RequireState(PeerConnectionState.New, nameof(TryAcceptOffer));
            if (!TryReadRemote(offer, SignalingRole.Offer, out SignalingBlob blob, out error))
            {
                return false;
            }

            if (!DtlsSetupRules.TryResolveLocalRole(DtlsSetup.Active, ToDtlsSetup(blob.Setup), out DtlsRole role))
            {
                error = $"the offer's DTLS setup '{blob.Setup}' leaves no role for an active answerer (an offer says actpass, RFC 8842 §5.2)";
                return false;
            }

            CreateAgent(controlling: false);
            Begin(blob, role);
            answer = LocalBlob(SignalingRole.Answer, SignalingDtlsSetup.Active).Encode();
            _driver.Flush(this);
            return true;
        }
    }

    /// <summary>Takes the peer's compact answer to <see cref="CreateOffer"/>: ICE checks and then DTLS start.</summary>
    /// <returns>False (with <paramref name="error"/>) if the text is not a valid answer; the offer still stands.</returns>
    /// <exception cref="InvalidOperationException">Not in <see cref="PeerConnectionState.HaveLocalOffer"/>.</exception>
    public bool TryAcceptAnswer(string answer, out string error)
    {
        ArgumentNullException.ThrowIfNull(answer);
        lock (_driver.Gate)
        {
            RequireState(PeerConnectionState.HaveLocalOffer, nameof(TryAcceptAnswer));
            if (!TryReadRemote(answer, SignalingRole.Answer, out SignalingBlob blob, out error))
            {
                return false;
            }

            if (!DtlsSetupRules.TryResolveLocalRole(DtlsSetup.ActPass, ToDtlsSetup(blob.Setup), out DtlsRole role))
            {
                error = "the answer must choose a DTLS role (setup active or passive, RFC 8842 §5.3), not actpass";
                return false;
            }

            Begin(blob, role);
            _driver.Flush(this);
            return true;
        }
    }

    /// <summary>
    /// Encrypts <paramref name="data"/> (one SCTP packet) into one DTLS record and sends it to the
    /// selected pair. False if not connected or the datagram could not be queued (the layer above
    /// retransmits, as over any datagram path).
    /// </summary>
    /// <exception cref="ArgumentException">Larger than <see cref="MaxApplicationDataSize"/>.</exception>
    public bool SendApplicationData(ReadOnlySpan<byte> data)
    {
        lock (_driver.Gate)
        {
            if (_state != PeerConnectionState.Connected || !_dtls!.Send(data))
            {
                return false;
            }

            _driver.FlushDtls(this);
            return true;
        }
    }

    /// <summary>
    /// Closes: sends DTLS close_notify if connected (or stops the handshake), stops ICE, leaves the
    /// driver and raises <see cref="Closed"/>. Idempotent; no effect after <see cref="Failed"/>.
    /// </summary>
    public void Close()
    {
        lock (_driver.Gate)
        {
            if (_state is PeerConnectionState.Closed or PeerConnectionState.Failed)
            {
                return;
            }

            StopSctp(abort: true);
            _dtls?.Close();
            _driver.FlushDtls(this);
            while (_dtls is not null && _dtls.TryPollEvent(out _))
            {
                // Our own Closed event: reported below.
            }

            _agent?.Close();
            Finish(PeerConnectionState.Closed);
            Closed?.Invoke(this);
        }
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <inheritdoc/>
    public override string ToString() => $"PeerConnection {LocalUfrag} {_state}";

    // ---- called by the driver under its lock ----

    /// <summary>A DTLS-class datagram from an address bound to this connection.</summary>
    internal void HandleDtls(IPEndPoint remote, ReadOnlySpan<byte> datagram)
    {
        if (_dtls is null || _state is not (PeerConnectionState.Connecting or PeerConnectionState.Connected))
        {
            _driver.CountDropped();
            return;
        }

        // The server learns where the client is from its first flight if ICE has not told it yet.
        if (_dtlsRemote is null)
        {
            SetDtlsRemote(remote);
        }
        _dtls.HandleDatagram(datagram);
        if (_dtls.State == DtlsState.New && _dtls.Role == RtcScamp.Transport.WebRtc.Dtls.DtlsRole.Server)
        {
            _dtls.Start();
        }
    }

    internal DtlsEndpoint? DtlsLayer => _dtls;

    internal IPEndPoint? DtlsRemote => _dtlsRemote;

    /// <summary><see cref="DtlsRemote"/> serialized once, so sending a record allocates no address.</summary>
    internal SocketAddress? DtlsRemoteAddress => _dtlsRemoteAddress;

    internal void OnIceEvent(in IceEvent e)
    {
        switch (e.Kind)
        {
            case IceEventKind.SelectedPairChanged when e.Pair is not null:
                SetDtlsRemote(e.Pair.Remote.EndPoint);
                break;
            case IceEventKind.StateChanged when e.NewState == IceState.Connected:
                _iceWasConnected = true;
                if (_agent!.SelectedPair is { } selected)
                {
                    SetDtlsRemote(selected.Remote.EndPoint);
                }

                if (_dtls is { State: DtlsState.New } && _state == PeerConnectionState.Connecting)
                {
                    // The client opens with its ClientHello; the server waits for it (started early
                    // if the ClientHello arrived before our own ICE reported Connected).
                    _dtls.Start();
                }

                break;
            case IceEventKind.StateChanged when e.NewState == IceState.Failed:
                Fail(new PeerConnectionFailure(_iceWasConnected ? PeerConnectionFailureReason.ConsentExpired : PeerConnectionFailureReason.IceFailed));
                break;
            default:
                break;
        }
    }

    internal void OnDtlsEvent(in DtlsEvent e)
    {
        switch (e.Kind)
        {
            case DtlsEventKind.Connected when _state == PeerConnectionState.Connecting:
                RemoteFingerprint = e.RemoteFingerprint;
                RemoteNodeId = e.RemoteNodeId;
                SetState(PeerConnectionState.Connected);
                StartSctp();
                Connected?.Invoke(this);
                break;
            case DtlsEventKind.Failed:
                Fail(new PeerConnectionFailure(MapFailure(e.Reason), e.Alert));
                break;
            case DtlsEventKind.Closed when e.ByPeer && _state is PeerConnectionState.Connecting or PeerConnectionState.Connected:
                _agent?.Close();
                Finish(PeerConnectionState.Closed);
                Closed?.Invoke(this);
                break;
            default:
                break;
        }
    }

    internal void DeliverApplicationData(ReadOnlySpan<byte> data)
    {
        if (_state != PeerConnectionState.Connected)
        {
            return;
        }

        if (_sctp is not null)
        {
            HandleSctpRecord(data);
        }
        else
        {
            ApplicationDataReceived?.Invoke(this, data);
        }
    }

    private void SetDtlsRemote(IPEndPoint remote)
    {
        if (!remote.Equals(_dtlsRemote))
        {
            _dtlsRemote = remote;
            _dtlsRemoteAddress = remote.Serialize();
        }
    }

    private void Fail(PeerConnectionFailure failure)
    {
        if (_state is PeerConnectionState.Failed or PeerConnectionState.Closed)
        {
            return;
        }

        Failure = failure;
        _dtls?.Close();
        _agent?.Close();
        Finish(PeerConnectionState.Failed);
        Failed?.Invoke(this, failure);
    }

    private void Finish(PeerConnectionState terminal)
    {
        StopSctp(abort: false);
        SetState(terminal);
        _driver.Retire(this);
    }

    private void CreateAgent(bool controlling)
    {
        _agent = new IceAgent(_localCredentials, controlling, _random, _options.Ice);
        _agent.AddLocalHostCandidate(_driver.LocalEndPoint);
        _driver.Register(this);
    }

    private void Begin(in SignalingBlob remote, DtlsRole role)
    {
        SetRemoteMaxMessageSize(remote);
        var expected = new CertificateFingerprint(remote.Fingerprint);
        _dtls = new DtlsEndpoint(_identity, role, expected, _options.Dtls, _options.ExpectedRemoteNodeId)
        {
            OutputAvailable = () => _driver.Signal(this),
        };
        _agent!.SetRemoteCredentials(new IceCredentials(remote.IceUfrag, remote.IcePassword));
        ReadOnlySpan<SignalingCandidate> candidates = remote.Candidates;
        for (int i = 0; i < candidates.Length; i++)
        {
            SignalingCandidate c = candidates[i];
            if (c.IsIPv6 != (_driver.LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6))
            {
                continue; // our one socket cannot reach the other family
            }

            var endPoint = new IPEndPoint(c.ToIPAddress(), c.Port);
            _agent.AddRemoteCandidate(new IceCandidate(ToIceType(c.Type), endPoint, CompactSignaling.Priority(c.Type, i), "s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        SetState(PeerConnectionState.Connecting);
    }

    private SignalingBlob LocalBlob(SignalingRole role, SignalingDtlsSetup setup)
    {
        IPEndPoint local = _driver.LocalEndPoint;
        ReadOnlySpan<SignalingCandidate> host = [SignalingCandidate.FromIPAddress(SignalingCandidateType.Host, local.Address, (ushort)local.Port)];
        Span<byte> fingerprint = stackalloc byte[CertificateFingerprint.Size];
        _identity.Fingerprint.CopyTo(fingerprint);
        return SignalingBlob.WithSecret(role, setup, fingerprint, _secret, host);
    }

    private static bool TryReadRemote(string text, SignalingRole expectedRole, out SignalingBlob blob, out string error)
    {
        if (SignalingBlob.TryDecode(text, out blob, out error) != SignalingDecodeResult.Ok)
        {
            return false;
        }

        if (blob.Role != expectedRole)
        {
            error = $"expected an {(expectedRole == SignalingRole.Offer ? "offer" : "answer")}, got an {(blob.Role == SignalingRole.Offer ? "offer" : "answer")}";
            return false;
        }

        if (new CertificateFingerprint(blob.Fingerprint).IsEmpty)
        {
            error = "the DTLS fingerprint is all zeros";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private void RequireState(PeerConnectionState expected, string operation)
    {
        if (_state != expected)
        {
            ThrowWrongState(operation, _state);
        }
    }

    private void SetState(PeerConnectionState next)
    {
        bool legal = (_state, next) switch
        {
            (PeerConnectionState.New, PeerConnectionState.HaveLocalOffer or PeerConnectionState.Connecting) => true,
            (PeerConnectionState.HaveLocalOffer, PeerConnectionState.Connecting) => true,
            (PeerConnectionState.Connecting, PeerConnectionState.Connected or PeerConnectionState.Failed) => true,
            (PeerConnectionState.Connected, PeerConnectionState.Failed) => true,
            (not (PeerConnectionState.Failed or PeerConnectionState.Closed), PeerConnectionState.Closed) => true,
            _ => false,
        };
        if (!legal)
        {
            ThrowIllegalTransition(_state, next);
        }

        _state = next;
    }

    private static DtlsSetup ToDtlsSetup(SignalingDtlsSetup setup) => setup switch
    {
        SignalingDtlsSetup.Active => DtlsSetup.Active,
        SignalingDtlsSetup.Passive => DtlsSetup.Passive,
        _ => DtlsSetup.ActPass,
    };

    private static IceCandidateType ToIceType(SignalingCandidateType type) => type switch
    {
        SignalingCandidateType.Host => IceCandidateType.Host,
        SignalingCandidateType.ServerReflexive => IceCandidateType.ServerReflexive,
        SignalingCandidateType.PeerReflexive => IceCandidateType.PeerReflexive,
        _ => IceCandidateType.Relayed,
    };

    private static PeerConnectionFailureReason MapFailure(DtlsFailureReason reason) => reason switch
    {
        DtlsFailureReason.FingerprintMismatch => PeerConnectionFailureReason.FingerprintMismatch,
        DtlsFailureReason.NodeIdMismatch => PeerConnectionFailureReason.NodeIdMismatch,
        DtlsFailureReason.MissingCertificate or DtlsFailureReason.BadCertificate => PeerConnectionFailureReason.BadCertificate,
        DtlsFailureReason.HandshakeTimeout => PeerConnectionFailureReason.DtlsHandshakeTimeout,
        DtlsFailureReason.AlertReceived => PeerConnectionFailureReason.DtlsAlertReceived,
        DtlsFailureReason.RecordLayerError => PeerConnectionFailureReason.DtlsRecordLayerError,
        _ => PeerConnectionFailureReason.DtlsHandshakeFailed,
    };

    [DoesNotReturn]
    private static void ThrowWrongState(string operation, PeerConnectionState state) =>
        throw new InvalidOperationException($"{operation} is not valid in state {state}.");

    [DoesNotReturn]
    private static void ThrowIllegalTransition(PeerConnectionState from, PeerConnectionState to) =>
        throw new InvalidOperationException($"Illegal PeerConnection transition {from} => {to}.");
}
