using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Tls;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// One DTLS 1.2 association (RFC 6347) for a WebRTC data channel (RFC 8261, RFC 8827 §6.5), on
/// BouncyCastle, behind a sans-IO-shaped surface: feed datagrams in with <see cref="HandleDatagram"/>,
/// drain records out with <see cref="TryPollDatagram"/>, state changes with <see cref="TryPollEvent"/>,
/// decrypted messages with <see cref="TryReceive"/>; send with <see cref="Send"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Thread model.</b> BouncyCastle's DTLS handshake is blocking: it pulls datagrams by calling
/// <c>DatagramTransport.Receive(buf, off, len, waitMillis)</c> and runs its retransmission timers off
/// those waits. So while — and only while — the handshake runs, each endpoint owns one dedicated
/// background thread (started by <see cref="Start"/>, 256 KiB stack). <see cref="HandleDatagram"/>
/// puts datagrams in a bounded queue and wakes it; records it writes land in the outgoing queue and
/// <see cref="OutputAvailable"/> is raised so the driver polls. When the handshake ends the thread
/// exits.
/// </para>
/// <para>
/// In steady state there is no thread, and no BouncyCastle on the data path: once the handshake is
/// done, <see cref="DtlsRecordLayer"/> (our own epoch-1 record layer, keys derived from BouncyCastle's
/// master secret and checked against both Finished records) seals in <see cref="Send"/> and opens in
/// <see cref="HandleDatagram"/>, on the caller's thread, allocating nothing. Sequence numbers continue
/// after BouncyCastle's, and any epoch-1 record BouncyCastle still writes (its last flight resent, an
/// alert) is re-protected under our next number, so no nonce repeats. Handshake and
/// change_cipher_spec records that arrive after the takeover go to BouncyCastle as before (for a
/// suite our layer does not run, everything does; see docs/webrtc-dtls.md).
/// </para>
/// <para>
/// BouncyCastle's path parks the datagram in a one-slot mailbox and calls
/// <c>DtlsTransport.Receive(buffer, waitMillis: 1)</c>. That call
/// cannot be made non-blocking by its arguments (<c>waitMillis</c> 0 means "forever", and it loops
/// until a record yields application data or the wait expires). The mailbox therefore ends the loop
/// itself: on the second pull within one call it throws a pre-built <c>TlsFatalAlert(bad_record_mac)</c>,
/// which BouncyCastle's <c>DtlsTransport</c> turns into a plain "no data" (-1) because both peers set
/// <c>IgnoreCorruptDtlsRecords</c>; the connection is not failed. A datagram carrying application data
/// costs no exception (the loop returns on its first record); only datagrams that yield none (alerts,
/// retransmitted handshake records, forgeries with a valid-looking header) pay one. Further records in
/// the same datagram are drained with <c>ReceivePending</c>, which never touches the transport.
/// </para>
/// <para>
/// <b>Peer authentication.</b> Both sides present the identity certificate; the server sends a
/// CertificateRequest for <c>ecdsa_sign</c>. The peer's certificate is pinned to the fingerprint
/// signaled in SDP as soon as its Certificate message arrives (<see cref="PeerCertificatePin"/>); a
/// mismatch aborts with a fatal bad_certificate alert and <see cref="DtlsFailureReason.FingerprintMismatch"/>.
/// The peer's <see cref="NodeId"/> is then derived from the pinned key, so it is proven, not claimed.
/// </para>
/// <para>
/// All public members are safe to call from any thread (one lock per endpoint); the intended use is
/// one driver thread per group of endpoints. Peer bytes never make a public method throw.
/// </para>
/// </remarks>
public sealed class DtlsEndpoint : IDisposable
{
    private const int DtlsRecordHeaderLength = 13;
    private const short NoAlert = -1;
    private const int HandshakeThreadStackSize = 256 * 1024;
    private const int FinishedRecordCapacity = 128;
    private const byte AlertLevelWarning = 1;
    private const byte AlertLevelFatal = 2;
    private const byte CloseNotify = 0;

    private static int s_liveHandshakeThreads;
    private static int s_peakHandshakeThreads;

    private readonly object _gate = new();
    private readonly NodeIdentity _identity;
    private readonly DtlsOptions _options;
    private readonly PeerCertificatePin _pin;
    private readonly Bridge _bridge;
    private readonly DatagramQueue _outgoing;
    private readonly DatagramQueue _received;
    private readonly Queue<DtlsEvent> _events = new(2);
    private readonly TlsFatalAlert _mailboxEmpty = new(AlertDescription.bad_record_mac, "no further datagram in this call");
    private DatagramQueue? _handshakeQueue;
    private DtlsTransport? _transport;
    private DtlsRecordLayer? _records;
    private byte[]? _scratch;
    private readonly byte[] _ownFinished = new byte[FinishedRecordCapacity];
    private readonly byte[] _peerFinished = new byte[FinishedRecordCapacity];
    private int _ownFinishedLength;
    private int _peerFinishedLength;
    private ulong _bouncyCastleNextSequence;
    private long _discardedRecords;
    private byte[]? _mailbox;
    private int _mailboxLength = -1;
    private byte[]? _plaintext;
    private long _handshakeDeadline;
    private int _handshakeThreadId = -1;
    private Thread? _handshakeThread;
    private bool _closeRequested;
    private bool _recordLayerClosed;
    private DtlsState _state;
    private long _droppedDatagrams;
    private long _ignoredDatagrams;
    private long _handshakeDatagramsRead;

    /// <summary>Creates an endpoint; nothing happens until <see cref="Start"/>.</summary>
    /// <param name="identity">This node's key and certificate.</param>
    /// <param name="role">Client or server, from the SDP <c>a=setup</c> exchange (<see cref="DtlsSetupRules"/>).</param>
    /// <param name="expectedRemoteFingerprint">The peer's signaled <c>a=fingerprint:sha-256</c>.</param>
    /// <param name="options">Limits and timers; <see cref="DtlsOptions.Default"/> if null.</param>
    /// <param name="expectedRemoteNodeId">The NodeId the peer claimed in signaling, checked against its key; <see cref="NodeId.None"/> (default) to accept any.</param>
    public DtlsEndpoint(NodeIdentity identity, DtlsRole role, CertificateFingerprint expectedRemoteFingerprint, DtlsOptions? options = null, NodeId expectedRemoteNodeId = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (expectedRemoteFingerprint.IsEmpty)
        {
            throw new ArgumentException("The peer's fingerprint must be known before the handshake.", nameof(expectedRemoteFingerprint));
        }

        _options = options ?? DtlsOptions.Default;
        _options.Validate();
        _identity = identity;
        Role = role;
        _pin = new PeerCertificatePin(expectedRemoteFingerprint, expectedRemoteNodeId);
        _bridge = new Bridge(this);
        _handshakeQueue = new DatagramQueue(_options.HandshakeQueueCapacity, _options.MaxReceiveDatagramSize);
        _outgoing = new DatagramQueue(_options.OutgoingQueueCapacity, _options.MaxSendDatagramSize);
        _received = new DatagramQueue(_options.ReceivedQueueCapacity, _options.MaxReceiveDatagramSize);
    }

    /// <summary>
    /// Raised (on the handshake thread) when the handshake produced outgoing datagrams, an event or
    /// (when it ends) received application data without a call of yours; drain with <see cref="TryPollDatagram"/>, <see cref="TryPollEvent"/>, <see cref="TryReceive"/>.
    /// Handlers must be quick and must not block (signal the driver loop). After your own calls
    /// (<see cref="HandleDatagram"/>, <see cref="Send"/>, <see cref="Close"/>) just poll.
    /// </summary>
    public Action? OutputAvailable { get; set; }

    /// <summary>This side's role.</summary>
    public DtlsRole Role { get; }

    /// <summary>Current state.</summary>
    public DtlsState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Why the endpoint failed, or <see cref="DtlsFailureReason.None"/>.</summary>
    public DtlsFailureReason FailureReason { get; private set; }

    /// <summary>The alert description sent or received with the failure (RFC 5246 §7.2), or -1.</summary>
    public short FailureAlert { get; private set; } = NoAlert;

    /// <summary>After <see cref="DtlsState.Connected"/>: the verified fingerprint of the peer's certificate.</summary>
    public CertificateFingerprint RemoteFingerprint { get; private set; }

    /// <summary>After <see cref="DtlsState.Connected"/>: the NodeId proven by the peer's key.</summary>
    public NodeId RemoteNodeId { get; private set; }

    /// <summary>After <see cref="DtlsState.Connected"/>: the largest message <see cref="Send"/> accepts (one record per datagram).</summary>
    public int MaxApplicationDataSize { get; private set; }

    /// <summary>After <see cref="DtlsState.Connected"/>: the TLS cipher suite number (IANA), e.g. 0xC02B for ECDHE-ECDSA-AES128-GCM-SHA256.</summary>
    public int NegotiatedCipherSuite { get; private set; } = -1;

    /// <summary>After <see cref="DtlsState.Connected"/>: true if RFC 7627 extended master secret is in use (always, since it is required).</summary>
    public bool NegotiatedExtendedMasterSecret { get; private set; }

    /// <summary>
    /// Who protects application data once connected: our own record layer with the named AEAD (the
    /// normal case), or BouncyCastle's (a suite we do not run ourselves); <see cref="DtlsRecordProtection.None"/> before.
    /// </summary>
    public DtlsRecordProtection RecordProtection
    {
        get
        {
            lock (_gate)
            {
                return _records?.Aead switch
                {
                    DtlsAead.Aes128Gcm => DtlsRecordProtection.Aes128Gcm,
                    DtlsAead.Aes256Gcm => DtlsRecordProtection.Aes256Gcm,
                    DtlsAead.ChaCha20Poly1305 => DtlsRecordProtection.ChaCha20Poly1305,
                    _ => _state == DtlsState.Connected ? DtlsRecordProtection.BouncyCastle : DtlsRecordProtection.None,
                };
            }
        }
    }

    /// <summary>Datagrams dropped before the record layer: not DTLS, too large, queue full, or after the end.</summary>
    public long DroppedDatagrams
    {
        get
        {
            lock (_gate)
            {
                return _droppedDatagrams + (_handshakeQueue?.Dropped ?? 0);
            }
        }
    }

    /// <summary>After the handshake: datagrams the record layer consumed without yielding data (bad MAC, replay, alerts, retransmitted handshake).</summary>
    public long IgnoredDatagrams
    {
        get
        {
            lock (_gate)
            {
                return _ignoredDatagrams;
            }
        }
    }

    /// <summary>
    /// After the handshake, with our record layer: records discarded inside datagrams — replayed or older
    /// than the window, failed authentication, wrong epoch or version, truncated (RFC 6347 §4.1.2.7:
    /// invalid records are silently discarded).
    /// </summary>
    public long DiscardedRecords
    {
        get
        {
            lock (_gate)
            {
                return _discardedRecords;
            }
        }
    }

    /// <summary>Outgoing datagrams dropped because the outgoing queue was full.</summary>
    public long DroppedOutgoing
    {
        get
        {
            lock (_gate)
            {
                return _outgoing.Dropped;
            }
        }
    }

    /// <summary>Decrypted messages dropped because nobody read them (<see cref="TryReceive"/>) fast enough.</summary>
    public long DroppedReceived
    {
        get
        {
            lock (_gate)
            {
                return _received.Dropped;
            }
        }
    }

    /// <summary>Handshake threads alive in this process right now.</summary>
    public static int LiveHandshakeThreads => Volatile.Read(ref s_liveHandshakeThreads);

    /// <summary>Most handshake threads alive at once since the last <see cref="ResetPeakHandshakeThreads"/>.</summary>
    public static int PeakHandshakeThreads => Volatile.Read(ref s_peakHandshakeThreads);

    /// <summary>Restarts <see cref="PeakHandshakeThreads"/> from the current live count.</summary>
    public static void ResetPeakHandshakeThreads() => Volatile.Write(ref s_peakHandshakeThreads, LiveHandshakeThreads);

    /// <summary>Starts the handshake (the client sends its ClientHello; the server waits for one).</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start()
    {
        lock (_gate)
        {
            if (_state != DtlsState.New)
            {
                ThrowInvalidState("Start", _state);
            }

            _handshakeDeadline = Environment.TickCount64 + (long)_options.HandshakeTimeout.TotalMilliseconds;
            SetState(DtlsState.Handshaking);
            _handshakeThread = new Thread(RunHandshake, HandshakeThreadStackSize)
            {
                IsBackground = true,
                Name = "dtls-handshake",
            };
            _handshakeThreadId = _handshakeThread.ManagedThreadId;
            _handshakeThread.Start();
        }
    }

    /// <summary>
    /// Feeds one received UDP datagram (already demultiplexed as DTLS, RFC 7983). During the handshake it is
    /// queued for the handshake thread; once connected it is decrypted now, on this thread, and any
    /// application data becomes readable with <see cref="TryReceive"/>. Never throws for peer bytes.
    /// </summary>
    public void HandleDatagram(ReadOnlySpan<byte> datagram)
    {
        lock (_gate)
        {
            if (!LooksLikeDtls(datagram) || datagram.Length > _options.MaxReceiveDatagramSize)
            {
                _droppedDatagrams++;
                return;
            }

            switch (_state)
            {
                case DtlsState.New:
                case DtlsState.Handshaking:
                    if (_handshakeQueue!.TryEnqueue(datagram))
                    {
                        Monitor.Pulse(_gate);
                    }

                    return;
                case DtlsState.Connected when _records is not null:
                    ReceiveRecords(datagram);
                    return;
                case DtlsState.Connected:
                    datagram.CopyTo(_mailbox);
                    _mailboxLength = datagram.Length;
                    if (!DecryptMailbox())
                    {
                        _ignoredDatagrams++;
                    }

                    AfterRecordLayerClose();
                    return;
                default:
                    _droppedDatagrams++;
                    return;
            }
        }
    }

    /// <summary>Takes the next datagram to send to the peer; false if none.</summary>
    /// <param name="destination">At least <see cref="DtlsOptions.MaxSendDatagramSize"/> bytes.</param>
    /// <param name="length">Bytes written.</param>
    public bool TryPollDatagram(Span<byte> destination, out int length)
    {
        lock (_gate)
        {
            return _outgoing.TryDequeue(destination, out length);
        }
    }

    /// <summary>Takes the next state change; false if none.</summary>
    public bool TryPollEvent(out DtlsEvent dtlsEvent)
    {
        lock (_gate)
        {
            return _events.TryDequeue(out dtlsEvent);
        }
    }

    /// <summary>Takes the next decrypted application message; false if none.</summary>
    /// <param name="destination">At least <see cref="DtlsOptions.MaxReceiveDatagramSize"/> bytes.</param>
    /// <param name="length">Bytes written.</param>
    public bool TryReceive(Span<byte> destination, out int length)
    {
        lock (_gate)
        {
            return _received.TryDequeue(destination, out length);
        }
    }

    /// <summary>
    /// Encrypts one message into one record, on this thread, and queues the datagram for
    /// <see cref="TryPollDatagram"/>. Returns false if not connected or the outgoing queue is full
    /// (DTLS is unreliable; the layer above retransmits).
    /// </summary>
    /// <exception cref="ArgumentException">The message exceeds <see cref="MaxApplicationDataSize"/>.</exception>
    public bool Send(ReadOnlySpan<byte> message)
    {
        lock (_gate)
        {
            if (_state != DtlsState.Connected)
            {
                return false;
            }

            if (message.Length > MaxApplicationDataSize)
            {
                ThrowTooLarge(message.Length, MaxApplicationDataSize);
            }

            if (_records is not null)
            {
                return SealRecord(DtlsRecordLayer.ApplicationData, message);
            }

            long droppedBefore = _outgoing.Dropped;
            try
            {
                _transport!.Send(message);
            }
            catch (TlsFatalAlert e)
            {
                Fail(DtlsFailureReason.RecordLayerError, e.AlertDescription);
                return false;
            }
            catch (IOException)
            {
                Fail(DtlsFailureReason.RecordLayerError, NoAlert);
                return false;
            }

            return _outgoing.Dropped == droppedBefore;
        }
    }

    /// <summary>
    /// Ends the association: once connected, sends close_notify (poll it out); during the handshake,
    /// stops the handshake thread, which sends a fatal user_canceled alert if it has already heard from
    /// the peer (BouncyCastle does not alert a peer it has not heard from). Idempotent.
    /// </summary>
    public void Close()
    {
        lock (_gate)
        {
            switch (_state)
            {
                case DtlsState.New:
                    SetState(DtlsState.Closed);
                    _events.Enqueue(new DtlsEvent(DtlsEventKind.Closed, DtlsFailureReason.None, NoAlert, default, default, byPeer: false));
                    return;
                case DtlsState.Handshaking:
                    _closeRequested = true;
                    Monitor.PulseAll(_gate);
                    SetState(DtlsState.Closed);
                    _events.Enqueue(new DtlsEvent(DtlsEventKind.Closed, DtlsFailureReason.None, NoAlert, default, default, byPeer: false));
                    return;
                case DtlsState.Connected when _records is not null:
                    SealRecord(DtlsRecordLayer.Alert, [AlertLevelWarning, CloseNotify]);
                    SetState(DtlsState.Closed);
                    ReleaseRecordLayer();
                    _events.Enqueue(new DtlsEvent(DtlsEventKind.Closed, DtlsFailureReason.None, NoAlert, default, default, byPeer: false));
                    return;
                case DtlsState.Connected:
                    try
                    {
                        _transport!.Close();
                    }
                    catch (IOException)
                    {
                        // Sending close_notify is best effort; the association ends either way.
                    }

                    SetState(DtlsState.Closed);
                    _events.Enqueue(new DtlsEvent(DtlsEventKind.Closed, DtlsFailureReason.None, NoAlert, default, default, byPeer: false));
                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>Datagrams the handshake thread has taken from its queue (tests: "has it heard the peer yet").</summary>
    internal long HandshakeDatagramsRead
    {
        get
        {
            lock (_gate)
            {
                return _handshakeDatagramsRead;
            }
        }
    }

    /// <summary>After the handshake: true if <see cref="DtlsRecordLayer"/> protects application data, false if BouncyCastle's record layer does.</summary>
    internal bool UsesOwnRecordLayer => RecordProtection is not (DtlsRecordProtection.None or DtlsRecordProtection.BouncyCastle);

    /// <summary>Tests: sends an epoch-1 alert through our record layer (the association's state is not changed here); false if none.</summary>
    internal bool SendAlert(byte level, byte description)
    {
        lock (_gate)
        {
            return _state == DtlsState.Connected && _records is not null && SealRecord(DtlsRecordLayer.Alert, [level, description]);
        }
    }

    /// <summary>Waits for the handshake thread to exit (tests, benchmarks); true if none is running.</summary>
    internal bool WaitForHandshakeThread(TimeSpan timeout)
    {
        Thread? thread;
        lock (_gate)
        {
            thread = _handshakeThread;
        }

        return thread is null || thread.Join(timeout);
    }

    // DTLSPlaintext/DTLSCiphertext header, RFC 6347 §4.1 (the first record of the datagram):
    //
    //   0        1        2        3        4                       10       12
    //   +--------+--------+--------+--------+--------+-- ... --+--------+--------+-----
    //   | type   | major  | minor  |     epoch       | sequence_number  | length  | fragment ...
    //   +--------+--------+--------+--------+--------+-- ... --+--------+--------+-----
    //   20..25    0xFE     0xFD (1.2), 0xFF (1.0)
    //
    // Only the cheap checks: content type in change_cipher_spec..tls12_cid, DTLS major version,
    // a whole header. The rest (epoch, replay window, length, MAC) is BouncyCastle's.
    private static bool LooksLikeDtls(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= DtlsRecordHeaderLength && datagram[0] is >= 20 and <= 25 && datagram[1] == 0xFE;

    private void RunHandshake()
    {
        int live = Interlocked.Increment(ref s_liveHandshakeThreads);
        int peak;
        while (live > (peak = Volatile.Read(ref s_peakHandshakeThreads))
            && Interlocked.CompareExchange(ref s_peakHandshakeThreads, live, peak) != peak)
        {
        }

        DtlsTransport? transport = null;
        DtlsEpochKeys? keys = null;
        Exception? error = null;
        try
        {
            if (Role == DtlsRole.Client)
            {
                var client = new WebRtcDtlsClient(_identity, _pin, _options);
                transport = new DtlsClientProtocol().Connect(client, _bridge);
                Record(client.Negotiated);
                keys = client.EpochKeys;
            }
            else
            {
                var server = new WebRtcDtlsServer(_identity, _pin, _options);
                transport = new DtlsServerProtocol().Accept(server, _bridge);
                Record(server.Negotiated);
                keys = server.EpochKeys;
            }
        }
        catch (Exception e)
        {
            // Everything BouncyCastle throws here comes from the peer's bytes, a timeout or our Close;
            // it is classified below and must not escape a background thread.
            error = e;
        }

        lock (_gate)
        {
            _handshakeThreadId = -1;
            if (_state == DtlsState.Handshaking)
            {
                if (transport is not null && _pin.Verified)
                {
                    EnterConnected(transport, keys);
                }
                else if (transport is not null)
                {
                    // BouncyCastle completed without showing us a certificate: never trust that.
                    transport.Close();
                    Fail(DtlsFailureReason.MissingCertificate, AlertDescription.handshake_failure);
                }
                else
                {
                    Classify(error, out DtlsFailureReason reason, out short alert);
                    Fail(reason, alert);
                }
            }
            else if (transport is not null)
            {
                // Close() raced with the last flight: still say goodbye properly.
                transport.Close();
            }

            _droppedDatagrams += _handshakeQueue!.Dropped;
            _handshakeQueue = null;
        }

        keys?.Clear();
        Interlocked.Decrement(ref s_liveHandshakeThreads);
        OutputAvailable?.Invoke();
    }

    private void EnterConnected(DtlsTransport transport, DtlsEpochKeys? keys)
    {
        _transport = transport;
        _mailbox = new byte[_options.MaxReceiveDatagramSize];
        _plaintext = new byte[Math.Max(transport.GetReceiveLimit(), 1)];
        TakeOverRecordLayer(keys);
        MaxApplicationDataSize = transport.GetSendLimit();
        RemoteFingerprint = _pin.RemoteFingerprint;
        RemoteNodeId = _pin.RemoteNodeId;
        SetState(DtlsState.Connected);
        _events.Enqueue(new DtlsEvent(DtlsEventKind.Connected, DtlsFailureReason.None, NoAlert, RemoteFingerprint, RemoteNodeId, byPeer: false));

        // Datagrams that arrived while the handshake was returning (e.g. the peer's first data).
        DatagramQueue pending = _handshakeQueue!;
        while (_state == DtlsState.Connected && pending.TryDequeue(_mailbox, out int length))
        {
            if (_records is not null)
            {
                ReceiveRecords(_mailbox.AsSpan(0, length));
                continue;
            }

            _mailboxLength = length;
            if (!DecryptMailbox())
            {
                _ignoredDatagrams++;
            }

            AfterRecordLayerClose();
        }
    }

    // Lock held, just connected. Our record layer takes over application data when the negotiated suite
    // is one it implements and the derived keys open both Finished records of the handshake (ours as
    // BouncyCastle wrote it, the peer's as BouncyCastle read it): a mistake in derivation or layout shows
    // here, and the endpoint then keeps BouncyCastle's record layer rather than talk nonsense.
    private void TakeOverRecordLayer(DtlsEpochKeys? keys)
    {
        if (keys is null || _options.BouncyCastleRecordLayer || _ownFinishedLength == 0 || _peerFinishedLength == 0)
        {
            return;
        }

        var layer = new DtlsRecordLayer(keys, Role == DtlsRole.Client, _bouncyCastleNextSequence);
        if (!layer.VerifyFinished(_ownFinished.AsSpan(0, _ownFinishedLength), _peerFinished.AsSpan(0, _peerFinishedLength)))
        {
            layer.Dispose();
            return;
        }

        _records = layer;
        _scratch = new byte[Math.Max(_options.MaxSendDatagramSize, _options.MaxReceiveDatagramSize)];
    }

    // Lock held, Connected, our record layer. RFC 6347 §4.1.1: a datagram may hold several records.
    // Epoch-1 application data and alerts are ours; handshake and change_cipher_spec records (the peer
    // retransmitting its last flight because ours was lost) are collected and handed to BouncyCastle,
    // which resends its flight through the bridge (re-sequenced there). Anything else is discarded and
    // counted; work is bounded by the datagram's length.
    private void ReceiveRecords(ReadOnlySpan<byte> datagram)
    {
        bool yielded = false;
        int forBouncyCastle = 0;
        while (datagram.Length > 0 && _state == DtlsState.Connected)
        {
            if (!DtlsRecordLayer.TryReadHeader(datagram, out DtlsRecordHeader header)
                || header.Length > datagram.Length - DtlsRecordLayer.HeaderLength)
            {
                _discardedRecords++; // truncated: the rest of the datagram cannot be framed
                break;
            }

            ReadOnlySpan<byte> record = datagram[..(DtlsRecordLayer.HeaderLength + header.Length)];
            datagram = datagram[record.Length..];
            if (header.Epoch == DtlsRecordLayer.Epoch && header.ContentType == DtlsRecordLayer.ApplicationData)
            {
                if (_received.TryReserve(out Span<byte> slot))
                {
                    if (_records!.Open(record, slot, out int length) == DtlsOpenResult.Opened)
                    {
                        _received.Commit(length);
                        yielded = true;
                    }
                    else
                    {
                        _discardedRecords++;
                    }
                }
            }
            else if (header.Epoch == DtlsRecordLayer.Epoch && header.ContentType == DtlsRecordLayer.Alert)
            {
                ReceiveAlert(record);
            }
            else if (header.Epoch <= DtlsRecordLayer.Epoch && header.ContentType is DtlsRecordLayer.Handshake or DtlsRecordLayer.ChangeCipherSpec)
            {
                record.CopyTo(_mailbox.AsSpan(forBouncyCastle));
                forBouncyCastle += record.Length;
            }
            else
            {
                _discardedRecords++;
            }
        }

        if (forBouncyCastle > 0 && _state == DtlsState.Connected)
        {
            _mailboxLength = forBouncyCastle;
            yielded |= DecryptMailbox();
        }

        if (!yielded)
        {
            _ignoredDatagrams++;
        }
    }

    // An epoch-1 alert (RFC 5246 §7.2): fatal fails the association; close_notify is answered with ours
    // and closes it; other warnings are ignored.
    private void ReceiveAlert(ReadOnlySpan<byte> record)
    {
        Span<byte> alert = stackalloc byte[2];
        if (record.Length != _records!.Overhead + 2 || _records.Open(record, alert, out _) != DtlsOpenResult.Opened)
        {
            _discardedRecords++;
            return;
        }

        if (alert[0] == AlertLevelFatal)
        {
            Fail(DtlsFailureReason.AlertReceived, alert[1]);
        }
        else if (alert[1] == CloseNotify)
        {
            SealRecord(DtlsRecordLayer.Alert, [AlertLevelWarning, CloseNotify]);
            SetState(DtlsState.Closed);
            ReleaseRecordLayer();
            _events.Enqueue(new DtlsEvent(DtlsEventKind.Closed, DtlsFailureReason.None, NoAlert, default, default, byPeer: true));
        }
    }

    // Lock held, our record layer: one record straight into an outgoing slot, no copy.
    private bool SealRecord(byte contentType, ReadOnlySpan<byte> plaintext)
    {
        if (!_outgoing.TryReserve(out Span<byte> slot))
        {
            return false;
        }

        int length = _records!.Seal(contentType, plaintext, slot);
        if (length < 0)
        {
            // 2^48 records sent: the sequence number must not wrap (RFC 6347 §4.1).
            Fail(DtlsFailureReason.RecordLayerError, NoAlert);
            return false;
        }

        _outgoing.Commit(length);
        return true;
    }

    // Lock held, state Connected, datagram in the mailbox: BouncyCastle's record layer reads it. True if
    // it yielded application data.
    private bool DecryptMailbox()
    {
        bool yielded = false;
        try
        {
            int n = _transport!.Receive(_plaintext.AsSpan(), 1);
            while (n >= 0)
            {
                if (n > 0)
                {
                    yielded = true;
                    _received.TryEnqueue(_plaintext.AsSpan(0, n));
                }

                n = _transport.ReceivePending(_plaintext.AsSpan());
            }
        }
        catch (TlsFatalAlertReceived e)
        {
            Fail(DtlsFailureReason.AlertReceived, e.AlertDescription);
        }
        catch (TlsFatalAlert e)
        {
            Fail(DtlsFailureReason.RecordLayerError, e.AlertDescription);
        }
        catch (IOException)
        {
            Fail(DtlsFailureReason.RecordLayerError, NoAlert);
        }
        finally
        {
            _mailboxLength = -1;
        }

        return yielded;
    }

    private void AfterRecordLayerClose()
    {
        if (_recordLayerClosed && _state == DtlsState.Connected)
        {
            // The record layer closes itself only on the peer's close_notify (it answered with its own).
            SetState(DtlsState.Closed);
            _events.Enqueue(new DtlsEvent(DtlsEventKind.Closed, DtlsFailureReason.None, NoAlert, default, default, byPeer: true));
        }
    }

    private void Classify(Exception? error, out DtlsFailureReason reason, out short alert)
    {
        if (_pin.Failure != DtlsFailureReason.None)
        {
            reason = _pin.Failure;
            alert = _pin.Failure == DtlsFailureReason.MissingCertificate ? AlertDescription.handshake_failure : AlertDescription.bad_certificate;
            return;
        }

        switch (error)
        {
            case TlsFatalAlertReceived received:
                reason = DtlsFailureReason.AlertReceived;
                alert = received.AlertDescription;
                return;
            case TlsTimeoutException:
                reason = DtlsFailureReason.HandshakeTimeout;
                alert = NoAlert;
                return;
            case TlsFatalAlert sent:
                reason = Environment.TickCount64 >= _handshakeDeadline ? DtlsFailureReason.HandshakeTimeout : DtlsFailureReason.HandshakeFailed;
                alert = sent.AlertDescription;
                return;
            default:
                reason = Environment.TickCount64 >= _handshakeDeadline ? DtlsFailureReason.HandshakeTimeout : DtlsFailureReason.HandshakeFailed;
                alert = NoAlert;
                return;
        }
    }

    private void Fail(DtlsFailureReason reason, short alert)
    {
        if (_state is DtlsState.Failed or DtlsState.Closed)
        {
            return;
        }

        FailureReason = reason;
        FailureAlert = alert;
        SetState(DtlsState.Failed);
        ReleaseRecordLayer();
        _events.Enqueue(new DtlsEvent(DtlsEventKind.Failed, reason, alert, default, default, byPeer: false));
    }

    private void SetState(DtlsState next) => _state = next;

    // The association is over: free the AEAD contexts now rather than at finalization.
    private void ReleaseRecordLayer()
    {
        _records?.Dispose();
        _records = null;
    }

    private void Record(DtlsNegotiated negotiated)
    {
        NegotiatedCipherSuite = negotiated.CipherSuite;
        NegotiatedExtendedMasterSecret = negotiated.ExtendedMasterSecret;
    }

    // ---- The DatagramTransport BouncyCastle talks to. Lock held by every caller path except the handshake thread. ----

    private int BridgeReceive(Span<byte> buffer, int waitMillis)
    {
        lock (_gate)
        {
            if (_transport is not null)
            {
                // Steady state, called from DecryptMailbox: hand over the one datagram, then end the loop.
                if (_mailboxLength < 0)
                {
                    throw _mailboxEmpty;
                }

                int length = _mailboxLength;
                _mailboxLength = -1;
                _mailbox.AsSpan(0, length).CopyTo(buffer);
                return length;
            }

            // Handshake thread. waitMillis 0 means "no limit"; never wait past the handshake deadline.
            long now = Environment.TickCount64;
            long until = waitMillis == 0 ? _handshakeDeadline : Math.Min(now + waitMillis, _handshakeDeadline);
            while (true)
            {
                if (_closeRequested)
                {
                    throw new TlsFatalAlert(AlertDescription.user_canceled, "closed locally");
                }

                DatagramQueue queue = _handshakeQueue!;
                int next = queue.PeekLength();
                if (next > buffer.Length)
                {
                    queue.Skip();
                    _droppedDatagrams++;
                    continue;
                }

                if (queue.TryDequeue(buffer, out int received))
                {
                    _handshakeDatagramsRead++;
                    KeepFinished(buffer[..received], _peerFinished, ref _peerFinishedLength);
                    return received;
                }

                long remaining = until - now;
                if (remaining <= 0)
                {
                    return -1;
                }

                Monitor.Wait(_gate, (int)Math.Min(remaining, int.MaxValue));
                now = Environment.TickCount64;
            }
        }
    }

    private void BridgeSend(ReadOnlySpan<byte> datagram)
    {
        bool fromHandshakeThread;
        lock (_gate)
        {
            fromHandshakeThread = Environment.CurrentManagedThreadId == _handshakeThreadId;
            if (_records is not null)
            {
                SendAfterTakeover(datagram);
            }
            else
            {
                if (_transport is null)
                {
                    TrackHandshakeRecords(datagram);
                }

                _outgoing.TryEnqueue(datagram);
            }
        }

        if (fromHandshakeThread)
        {
            OutputAvailable?.Invoke();
        }
    }

    // Handshake: BouncyCastle sends one record per datagram. Remember the highest epoch-1 sequence
    // number it used (our record layer continues after it) and its Finished record (the key check).
    private void TrackHandshakeRecords(ReadOnlySpan<byte> datagram)
    {
        KeepFinished(datagram, _ownFinished, ref _ownFinishedLength);
        while (DtlsRecordLayer.TryReadHeader(datagram, out DtlsRecordHeader header) && header.Length <= datagram.Length - DtlsRecordLayer.HeaderLength)
        {
            if (header.Epoch == DtlsRecordLayer.Epoch)
            {
                _bouncyCastleNextSequence = Math.Max(_bouncyCastleNextSequence, header.Sequence + 1);
            }

            datagram = datagram[(DtlsRecordLayer.HeaderLength + header.Length)..];
        }
    }

    private static void KeepFinished(ReadOnlySpan<byte> datagram, byte[] keep, ref int keptLength)
    {
        while (DtlsRecordLayer.TryReadHeader(datagram, out DtlsRecordHeader header) && header.Length <= datagram.Length - DtlsRecordLayer.HeaderLength)
        {
            int length = DtlsRecordLayer.HeaderLength + header.Length;
            if (header.Epoch == DtlsRecordLayer.Epoch && header.ContentType == DtlsRecordLayer.Handshake && length <= keep.Length)
            {
                datagram[..length].CopyTo(keep);
                keptLength = length;
            }

            datagram = datagram[length..];
        }
    }

    // After the takeover BouncyCastle only writes when handed a handshake record (its last flight again)
    // or when it fails (an alert). Epoch-0 records go out as they are; epoch-1 records are re-protected
    // under our next sequence number, because BouncyCastle's own counter is behind ours.
    private void SendAfterTakeover(ReadOnlySpan<byte> datagram)
    {
        if (!DtlsRecordLayer.TryReadHeader(datagram, out DtlsRecordHeader header) || header.Epoch != DtlsRecordLayer.Epoch)
        {
            _outgoing.TryEnqueue(datagram);
            return;
        }

        if (_outgoing.TryReserve(out Span<byte> slot))
        {
            int length = _records!.Resequence(datagram, slot, _scratch);
            if (length > 0)
            {
                _outgoing.Commit(length);
            }
        }
    }

    private void BridgeClose()
    {
        lock (_gate)
        {
            _recordLayerClosed = true;
        }
    }

    [DoesNotReturn]
    private static void ThrowInvalidState(string operation, DtlsState state) =>
        throw new InvalidOperationException($"{operation} is not valid in state {state}.");

    [DoesNotReturn]
    private static void ThrowTooLarge(int length, int limit) =>
        throw new ArgumentException($"A {length}-byte message exceeds the {limit}-byte record limit.");

    private sealed class Bridge(DtlsEndpoint endpoint) : DatagramTransport
    {
        public int GetReceiveLimit() => endpoint._options.MaxReceiveDatagramSize;

        public int GetSendLimit() => endpoint._options.MaxSendDatagramSize;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => endpoint.BridgeReceive(buf.AsSpan(off, len), waitMillis);

        public int Receive(Span<byte> buffer, int waitMillis) => endpoint.BridgeReceive(buffer, waitMillis);

        public void Send(byte[] buf, int off, int len) => endpoint.BridgeSend(buf.AsSpan(off, len));

        public void Send(ReadOnlySpan<byte> buffer) => endpoint.BridgeSend(buffer);

        public void Close() => endpoint.BridgeClose();
    }
}
