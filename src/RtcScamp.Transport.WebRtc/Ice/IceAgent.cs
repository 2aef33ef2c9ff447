// ICE (RFC 8445) for one data-channel component over UDP, with consent freshness (RFC 7675), sans-IO.
//
// The agent owns no socket, clock or thread. Inputs: HandleReceive(remote, local, datagram, now),
// HandleTimeout(now), and application commands (candidates, remote credentials, Close). Outputs are
// polled: PollTransmit writes one datagram into the caller's buffer, PollEvent drains events,
// PollTimeout says when HandleTimeout is next due. Rule (as in str0m/quinn): mutate, drain
// PollTransmit and PollEvent until empty, read PollTimeout, repeat. Time is milliseconds on the
// caller's monotonic clock.
//
// Algorithm:
//  * Candidates: host candidates from the caller (one per local address), server-reflexive from an
//    optional STUN server (§5.1.1.2), remote candidates from signaling, peer-reflexive remote
//    candidates learned from authenticated incoming checks (§7.3.1.3) — browsers hide host addresses
//    behind mDNS names, so their first check is often how we learn where they are.
//  * Pairs (§6.1.2): every host candidate × every remote candidate of the same family (server-reflexive
//    local candidates share their host base, so their pairs would be pruned as redundant); priority
//    per §6.1.2.3; sorted by priority, insertion order breaking ties.
//  * Scheduling (§6.1.4.2): one new check every Ta; a nomination first, then the triggered-check
//    FIFO, then the highest Waiting pair, unfreezing one Frozen pair per foundation when nothing waits.
//    Retransmissions follow RFC 8489 §6.2.1 (RTO doubling from 500 ms, Rc = 7, Rm = 16).
//  * Incoming checks (§7.3.1) are answered as soon as they verify against the *local* password:
//    remote credentials are not needed to answer, so a peer whose answer is pasted minutes later is
//    still answered meanwhile; our own checks start when the remote credentials arrive. Nothing times
//    out while waiting for them.
//  * Roles: 64-bit tie-breaker, conflicts resolved per §7.3.1.1 (incoming) and §7.2.5.1 (487 reply).
//  * Nomination: regular (§8.1.1). The controlling agent waits NominationDelay after the first valid
//    pair (or until no better pair is pending) and re-checks the best valid pair with USE-CANDIDATE.
//    The controlled agent nominates a pair when a USE-CANDIDATE check arrives on it and its own check
//    on it has succeeded (either order).
//  * Consent (RFC 7675): on the selected pair, a Binding request every ConsentInterval ×[0.8,1.2];
//    only authenticated responses refresh consent; DisconnectedAfter without one → Disconnected,
//    ConsentExpiry without one → Failed (final; nothing more is sent).
using System.Diagnostics.CodeAnalysis;
using System.Net;
using RtcScamp.Transport.WebRtc.Stun;

namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>
/// A sans-IO ICE agent (RFC 8445 full agent, one component, UDP) with RFC 7675 consent freshness.
/// Single-threaded: one owner calls every method. See the file header for the algorithm.
/// </summary>
public sealed class IceAgent
{
    private static readonly Comparison<IceCandidatePair> s_byPriority = static (a, b) =>
        a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Order.CompareTo(b.Order);

    private readonly IceAgentConfig _config;
    private readonly IIceRandom _random;
    private readonly IceCredentials _local;
    private readonly List<IceCandidate> _localCandidates = [];
    private readonly List<IceCandidate> _remoteCandidates = [];
    private readonly List<IceCandidatePair> _pairs = [];
    private readonly Queue<IceCandidatePair> _triggered = new();
    private readonly Queue<IceEvent> _events = new();
    private readonly Transaction[] _transactions;
    private readonly PendingResponse[] _responses;
    private int _responseHead;
    private int _responseCount;

    private IceCredentials? _remote;
    private bool _controlling;
    private IPEndPoint? _stunServer;
    private bool _gatheringStarted;
    private bool _gatheringComplete;
    private IceState _state;
    private IceCandidatePair? _selected;
    private IceCandidatePair? _nominating;
    private bool _nominationSent;
    private long _firstValidAt = long.MaxValue;
    private long _nextCheckAt;
    private long _lastConsentAt;
    private long _nextConsentAt = long.MaxValue;
    private bool _consentExpired;
    private long _now;
    private long _pairOrder;
    private int _peerReflexiveCount;

    /// <summary>Creates an agent with its local credentials, initial role and random source.</summary>
    public IceAgent(IceCredentials localCredentials, bool controlling, IIceRandom random, IceAgentConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(localCredentials);
        ArgumentNullException.ThrowIfNull(random);
        _local = localCredentials;
        _controlling = controlling;
        _random = random;
        _config = config ?? new IceAgentConfig();
        _transactions = new Transaction[_config.MaxTransactions];
        _responses = new PendingResponse[_config.MaxQueuedResponses];
        TieBreaker = random.NextUInt64();
    }

    /// <summary>Our ufrag and password (signal them to the peer).</summary>
    public IceCredentials LocalCredentials => _local;

    /// <summary>The peer's credentials, once signaled.</summary>
    public IceCredentials? RemoteCredentials => _remote;

    /// <summary>True while this agent is the controlling one.</summary>
    public bool IsControlling => _controlling;

    /// <summary>The 64-bit role tie-breaker (RFC 8445 §16.1).</summary>
    public ulong TieBreaker { get; }

    /// <summary>The current state.</summary>
    public IceState State => _state;

    /// <summary>The nominated pair data flows on, or null.</summary>
    public IceCandidatePair? SelectedPair => _selected;

    /// <summary>Local candidates (host and server-reflexive).</summary>
    public IReadOnlyList<IceCandidate> LocalCandidates => _localCandidates;

    /// <summary>Remote candidates (signaled and peer-reflexive).</summary>
    public IReadOnlyList<IceCandidate> RemoteCandidates => _remoteCandidates;

    /// <summary>The check list, highest priority first.</summary>
    public IReadOnlyList<IceCandidatePair> Pairs => _pairs;

    /// <summary>True once every STUN server request has completed or timed out.</summary>
    public bool GatheringComplete => _gatheringComplete;

    /// <summary>Datagrams that failed to parse as STUN.</summary>
    public long MalformedCount { get; private set; }

    /// <summary>Requests or responses that failed authentication.</summary>
    public long UnauthenticatedCount { get; private set; }

    /// <summary>Outputs dropped because a bounded queue or table was full.</summary>
    public long DroppedCount { get; private set; }

    /// <summary>
    /// Adds a host candidate for a local address the caller's socket receives on (its port is the
    /// socket's). Each gets a distinct local preference, earlier ones preferred.
    /// </summary>
    public IceCandidate AddLocalHostCandidate(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ThrowIfClosed();
        int hosts = 0;
        foreach (IceCandidate c in _localCandidates)
        {
            if (c.Type == IceCandidateType.Host)
            {
                if (c.EndPoint.Equals(endPoint))
                {
                    return c;
                }

                hosts++;
            }
        }

        var candidate = new IceCandidate(
            IceCandidateType.Host,
            endPoint,
            IceCandidate.ComputePriority(IceCandidateType.Host, 65535 - hosts),
            "h" + hosts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _localCandidates.Add(candidate);
        _events.Enqueue(new IceEvent(IceEventKind.LocalCandidate, Candidate: candidate));
        foreach (IceCandidate remote in _remoteCandidates)
        {
            AddPair(candidate, remote);
        }

        return candidate;
    }

    /// <summary>Sets the STUN server used to gather server-reflexive candidates; call before the first <see cref="HandleTimeout"/>.</summary>
    public void SetStunServer(IPEndPoint server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (_gatheringStarted)
        {
            throw new InvalidOperationException("Gathering already started.");
        }

        _stunServer = server;
    }

    /// <summary>Sets the peer's ufrag and password from signaling; checks start at the next pacing slot.</summary>
    public void SetRemoteCredentials(IceCredentials remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ThrowIfClosed();
        _remote = remote;
        UpdateState();
    }

    /// <summary>
    /// Adds a signaled remote candidate. Returns false (ignored) when the candidate table is full.
    /// A candidate at the address of a peer-reflexive one replaces its type, priority and foundation.
    /// </summary>
    public bool AddRemoteCandidate(IceCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ThrowIfClosed();
        foreach (IceCandidate existing in _remoteCandidates)
        {
            if (existing.EndPoint.Equals(candidate.EndPoint))
            {
                if (existing.Type == IceCandidateType.PeerReflexive)
                {
                    existing.Type = candidate.Type;
                    existing.Priority = candidate.Priority;
                    existing.Foundation = candidate.Foundation;
                    ResortPairs();
                }

                return true;
            }
        }

        if (_remoteCandidates.Count >= _config.MaxRemoteCandidates)
        {
            DroppedCount++;
            return false;
        }

        _remoteCandidates.Add(candidate);
        foreach (IceCandidate local in _localCandidates)
        {
            if (local.Type == IceCandidateType.Host)
            {
                AddPair(local, candidate);
            }
        }

        UpdateState();
        return true;
    }

    /// <summary>Closes the agent: nothing more is sent, every later input is ignored.</summary>
    public void Close()
    {
        if (_state == IceState.Closed)
        {
            return;
        }

        Array.Clear(_transactions);
        _responseCount = 0;
        _triggered.Clear();
        SetState(IceState.Closed);
    }

    /// <summary>
    /// Processes one received datagram. <paramref name="remote"/> is the sender (the agent may keep the
    /// reference as a peer-reflexive candidate: pass an instance you will not mutate);
    /// <paramref name="local"/> is the local address it arrived on, when the driver knows it.
    /// </summary>
    public IceReceiveResult HandleReceive(IPEndPoint remote, IPEndPoint? local, ReadOnlySpan<byte> packet, long now)
    {
        ArgumentNullException.ThrowIfNull(remote);
        _now = now;
        if (packet.IsEmpty || packet[0] > 3)
        {
            return IceReceiveResult.NotStun;
        }

        if (_state == IceState.Closed)
        {
            return IceReceiveResult.Ignored;
        }

        if (StunMessage.TryParse(packet, out StunMessage message) != StunParseError.None)
        {
            MalformedCount++;
            return IceReceiveResult.Malformed;
        }

        if (message.Method != 1)
        {
            return IceReceiveResult.Ignored;
        }

        IceReceiveResult result = message.Class switch
        {
            StunClass.Request => HandleRequest(remote, local, message),
            StunClass.SuccessResponse or StunClass.ErrorResponse => HandleResponse(remote, message),
            _ => IceReceiveResult.Consumed, // Binding indication: a keepalive, nothing to do
        };
        MaybeNominate(); // a new valid pair may be nominated at the next pacing slot, not after the delay
        UpdateState();
        return result;
    }

    /// <summary>Advances timers: retransmissions, pacing, nomination, consent. Call when <see cref="PollTimeout"/> is due.</summary>
    public void HandleTimeout(long now)
    {
        _now = now;
        if (_state == IceState.Closed)
        {
            return;
        }

        if (!_gatheringStarted)
        {
            StartGathering();
        }

        ExpireTransactions();
        MaybeNominate();
        if (CanCheck && now >= _nextCheckAt && HasCheckWork())
        {
            // The slot is used even if no transaction could start (table full), so a full table
            // never makes PollTimeout report a past time forever.
            TryStartNextCheck();
            _nextCheckAt = now + _config.PacingInterval;
        }

        if (_selected is not null && _state is IceState.Connected or IceState.Disconnected && now >= _nextConsentAt)
        {
            StartTransaction(TransactionKind.Consent, _selected, null, _selected.Remote.EndPoint, useCandidate: false);
            _nextConsentAt = now + ConsentJitter();
        }

        UpdateState();
    }

    /// <summary>
    /// Writes the next datagram to send into <paramref name="buffer"/> (at least
    /// <see cref="StunProtocol.MaxMessageSize"/> bytes is always enough) and returns its length, or 0
    /// when nothing is pending. All datagrams go out of the socket the host candidates belong to.
    /// </summary>
    public int PollTransmit(Span<byte> buffer, out IPEndPoint? destination)
    {
        if (_responseCount > 0)
        {
            ref PendingResponse response = ref _responses[_responseHead];
            _responseHead = (_responseHead + 1) % _responses.Length;
            _responseCount--;
            destination = response.Destination;
            return WriteResponse(buffer, response);
        }

        for (int i = 0; i < _transactions.Length; i++)
        {
            ref Transaction t = ref _transactions[i];
            if (t.Kind != TransactionKind.None && t.SendPending)
            {
                destination = t.Destination;
                return WriteRequest(buffer, ref t);
            }
        }

        destination = null;
        return 0;
    }

    /// <summary>The time <see cref="HandleTimeout"/> is next due, or <see cref="long.MaxValue"/> for never.</summary>
    public long PollTimeout()
    {
        if (_state == IceState.Closed)
        {
            return long.MaxValue;
        }

        if (!_gatheringStarted)
        {
            return _now;
        }

        long next = long.MaxValue;
        foreach (ref readonly Transaction t in _transactions.AsSpan())
        {
            if (t.Kind != TransactionKind.None)
            {
                next = Math.Min(next, t.SendPending ? _now : t.NextAt);
            }
        }

        if (CanCheck && HasCheckWork())
        {
            next = Math.Min(next, Math.Max(_nextCheckAt, _now));
        }

        if (_controlling && _selected is null && _nominating is null && _firstValidAt != long.MaxValue && HasSucceededPair())
        {
            next = Math.Min(next, _firstValidAt + _config.NominationDelay);
        }

        if (_selected is not null && _state is IceState.Connected or IceState.Disconnected)
        {
            next = Math.Min(next, _nextConsentAt);
            next = Math.Min(next, _lastConsentAt + _config.ConsentExpiry);
            if (_state == IceState.Connected)
            {
                next = Math.Min(next, _lastConsentAt + _config.DisconnectedAfter);
            }
        }

        return next;
    }

    /// <summary>Dequeues the next event; false when none.</summary>
    public bool PollEvent(out IceEvent iceEvent) => _events.TryDequeue(out iceEvent);

    private bool CanCheck => _remote is not null && _state is not (IceState.Closed or IceState.Failed) && !_consentExpired;

    private void StartGathering()
    {
        _gatheringStarted = true;
        if (_stunServer is not null)
        {
            foreach (IceCandidate c in _localCandidates)
            {
                if (c.Type == IceCandidateType.Host && c.EndPoint.AddressFamily == _stunServer.AddressFamily)
                {
                    StartTransaction(TransactionKind.Server, null, c, _stunServer, useCandidate: false);
                }
            }
        }

        CheckGatheringComplete();
    }

    private void CheckGatheringComplete()
    {
        if (_gatheringComplete)
        {
            return;
        }

        foreach (ref readonly Transaction t in _transactions.AsSpan())
        {
            if (t.Kind == TransactionKind.Server)
            {
                return;
            }
        }

        _gatheringComplete = true;
        _events.Enqueue(new IceEvent(IceEventKind.GatheringComplete));
    }

    private IceReceiveResult HandleRequest(IPEndPoint remote, IPEndPoint? local, in StunMessage message)
    {
        var id = StunTransactionId.Read(message.TransactionId);
        if (!message.HasUsername || !message.HasMessageIntegrity)
        {
            UnauthenticatedCount++;
            QueueResponse(id, remote, 400, authenticated: false);
            return IceReceiveResult.Unauthenticated;
        }

        if (!message.UsernameStartsWithUfrag(_local.UfragBytes) || !message.VerifyIntegrity(_local.PasswordBytes))
        {
            UnauthenticatedCount++;
            QueueResponse(id, remote, 401, authenticated: false);
            return IceReceiveResult.Unauthenticated;
        }

        if (message.HasUnknownRequiredAttribute)
        {
            QueueResponse(id, remote, 420, authenticated: true, message.UnknownRequiredAttribute);
            return IceReceiveResult.Consumed;
        }

        // Role conflict, RFC 8445 §7.3.1.1.
        if (_controlling && message.HasIceControlling)
        {
            if (TieBreaker >= message.IceControlling)
            {
                QueueResponse(id, remote, 487, authenticated: true);
                return IceReceiveResult.Consumed;
            }

            SwitchRole(controlling: false);
        }
        else if (!_controlling && message.HasIceControlled)
        {
            if (TieBreaker >= message.IceControlled)
            {
                SwitchRole(controlling: true);
            }
            else
            {
                QueueResponse(id, remote, 487, authenticated: true);
                return IceReceiveResult.Consumed;
            }
        }

        QueueResponse(id, remote, 0, authenticated: true);
        if (_consentExpired)
        {
            return IceReceiveResult.Consumed;
        }

        IceCandidate? remoteCandidate = FindRemote(remote) ?? LearnPeerReflexive(remote, message.Priority);
        IceCandidate? localCandidate = FindLocal(local, remote);
        if (remoteCandidate is null || localCandidate is null)
        {
            return IceReceiveResult.Consumed;
        }

        IceCandidatePair? pair = FindPair(localCandidate, remoteCandidate) ?? AddPair(localCandidate, remoteCandidate);
        if (pair is null)
        {
            return IceReceiveResult.Consumed;
        }

        if (message.HasUseCandidate && !_controlling)
        {
            if (pair.State == IcePairState.Succeeded)
            {
                Nominate(pair);
            }
            else
            {
                pair.NominateOnSuccess = true;
            }
        }

        // Triggered check, RFC 8445 §7.3.1.4. An In-Progress check is cancelled (no more
        // retransmissions, a late answer still counts) and replaced by a fresh triggered one.
        if (pair.State == IcePairState.InProgress)
        {
            CancelChecks(pair);
        }

        if (pair.State is IcePairState.Frozen or IcePairState.Waiting or IcePairState.Failed or IcePairState.InProgress)
        {
            pair.State = IcePairState.Waiting;
            Trigger(pair);
        }

        return IceReceiveResult.Consumed;
    }

    private IceReceiveResult HandleResponse(IPEndPoint remote, in StunMessage message)
    {
        var id = StunTransactionId.Read(message.TransactionId);
        int index = FindTransaction(id);
        if (index < 0)
        {
            return IceReceiveResult.UnknownTransaction;
        }

        ref Transaction t = ref _transactions[index];
        if (t.Kind == TransactionKind.Server)
        {
            IceCandidate server = t.Base!;
            t = default;
            if (message.Class == StunClass.SuccessResponse)
            {
                LearnServerReflexive(server, message);
            }

            CheckGatheringComplete();
            return IceReceiveResult.Consumed;
        }

        if (_remote is null || !message.VerifyIntegrity(_remote.PasswordBytes))
        {
            UnauthenticatedCount++;
            return IceReceiveResult.Unauthenticated;
        }

        TransactionKind kind = t.Kind;
        IceCandidatePair pair = t.Pair!;
        bool useCandidate = t.UseCandidate;
        bool sentControlling = t.SentControlling;
        bool symmetric = remote.Equals(t.Destination);
        bool cancelled = t.Cancelled;
        t = default;

        if (kind == TransactionKind.Consent)
        {
            if (symmetric && message.Class == StunClass.SuccessResponse && pair == _selected)
            {
                RefreshConsent();
            }

            return IceReceiveResult.Consumed;
        }

        if (pair == _nominating)
        {
            _nominating = null;
            _nominationSent = false;
        }

        if (cancelled && (!symmetric || message.Class == StunClass.ErrorResponse))
        {
            return IceReceiveResult.Consumed; // a replacement check is already queued or in flight
        }

        if (!symmetric)
        {
            // RFC 8445 §7.2.5.2.1: a response from another address fails the check.
            pair.State = IcePairState.Failed;
            return IceReceiveResult.Consumed;
        }

        if (message.Class == StunClass.ErrorResponse)
        {
            if (message.ErrorCode == 487)
            {
                // RFC 8445 §7.2.5.1: switch role unless we already did, then retry the pair.
                if (sentControlling == _controlling)
                {
                    SwitchRole(!_controlling);
                }

                pair.State = IcePairState.Waiting;
                Trigger(pair);
            }
            else
            {
                pair.State = IcePairState.Failed;
            }

            return IceReceiveResult.Consumed;
        }

        if (pair == _selected)
        {
            RefreshConsent();
        }

        pair.State = IcePairState.Succeeded;
        if (_firstValidAt == long.MaxValue)
        {
            _firstValidAt = _now;
        }

        // RFC 8445 §7.2.5.3.3: unfreeze pairs of the same foundation.
        foreach (IceCandidatePair other in _pairs)
        {
            if (other.State == IcePairState.Frozen && other.SameFoundation(pair))
            {
                other.State = IcePairState.Waiting;
            }
        }

        if ((useCandidate && _controlling) || (!_controlling && pair.NominateOnSuccess))
        {
            Nominate(pair);
        }

        return IceReceiveResult.Consumed;
    }

    private void CancelChecks(IceCandidatePair pair)
    {
        for (int i = 0; i < _transactions.Length; i++)
        {
            ref Transaction t = ref _transactions[i];
            if (t.Kind == TransactionKind.Check && t.Pair == pair && !t.UseCandidate && !t.Cancelled)
            {
                t.Cancelled = true;
                t.SendPending = false;
                t.NextAt = Math.Max(t.NextAt, _now + (_config.InitialRto * _config.LastWaitMultiplier));
            }
        }
    }

    private void LearnServerReflexive(IceCandidate hostBase, in StunMessage message)
    {
        IPEndPoint? mapped = message.GetXorMappedEndPoint();
        if (mapped is null || mapped.Equals(hostBase.EndPoint))
        {
            return;
        }

        foreach (IceCandidate c in _localCandidates)
        {
            if (c.EndPoint.Equals(mapped))
            {
                return;
            }
        }

        int localPreference = (int)((hostBase.Priority >> 8) & 0xFFFF);
        var candidate = new IceCandidate(
            IceCandidateType.ServerReflexive,
            mapped,
            IceCandidate.ComputePriority(IceCandidateType.ServerReflexive, localPreference),
            "s" + hostBase.Foundation,
            hostBase.EndPoint);
        _localCandidates.Add(candidate);
        _events.Enqueue(new IceEvent(IceEventKind.LocalCandidate, Candidate: candidate));
    }

    private IceCandidate? LearnPeerReflexive(IPEndPoint remote, uint priority)
    {
        if (_remoteCandidates.Count >= _config.MaxRemoteCandidates)
        {
            DroppedCount++;
            return null;
        }

        // RFC 8445 §7.3.1.3: priority from the request's PRIORITY, a foundation of its own.
        _peerReflexiveCount++;
        var candidate = new IceCandidate(
            IceCandidateType.PeerReflexive,
            remote,
            priority != 0 ? priority : IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, 65535),
            "p" + _peerReflexiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _remoteCandidates.Add(candidate);
        _events.Enqueue(new IceEvent(IceEventKind.PeerReflexiveCandidate, Candidate: candidate));
        foreach (IceCandidate local in _localCandidates)
        {
            if (local.Type == IceCandidateType.Host)
            {
                AddPair(local, candidate);
            }
        }

        return candidate;
    }

    private void Nominate(IceCandidatePair pair)
    {
        pair.Nominated = true;
        pair.NominateOnSuccess = false;
        if (_selected is not null && _selected.Priority >= pair.Priority)
        {
            return;
        }

        _selected = pair;
        _events.Enqueue(new IceEvent(IceEventKind.SelectedPairChanged, Pair: pair));
        RefreshConsent();
        _nextConsentAt = _now + ConsentJitter();
        if (_state == IceState.New)
        {
            SetState(IceState.Checking);
        }

        if (_state is IceState.Checking or IceState.Disconnected)
        {
            SetState(IceState.Connected);
        }
    }

    private void RefreshConsent()
    {
        _lastConsentAt = _now;
        if (_state == IceState.Disconnected)
        {
            SetState(IceState.Connected);
        }
    }

    private long ConsentJitter()
    {
        // Uniform in [0.8, 1.2] × interval (RFC 7675 §5.1).
        long span = (_config.ConsentInterval * 2) / 5;
        long offset = span > 0 ? (long)(_random.NextUInt64() % (ulong)(span + 1)) : 0;
        return (_config.ConsentInterval * 4 / 5) + offset;
    }

    private void MaybeNominate()
    {
        if (!_controlling || _selected is not null || _nominating is not null || _remote is null)
        {
            return;
        }

        IceCandidatePair? best = null;
        bool betterPending = false;
        foreach (IceCandidatePair p in _pairs)
        {
            if (p.State == IcePairState.Succeeded)
            {
                best = p;
                break;
            }

            if (p.State is IcePairState.Frozen or IcePairState.Waiting or IcePairState.InProgress)
            {
                betterPending = true;
            }
        }

        if (best is not null && (!betterPending || _now >= _firstValidAt + _config.NominationDelay))
        {
            _nominating = best;
            _nominationSent = false;
        }
    }

    private bool TryStartNextCheck()
    {
        if (_nominating is not null && !_nominationSent)
        {
            if (!StartTransaction(TransactionKind.Check, _nominating, null, _nominating.Remote.EndPoint, useCandidate: true))
            {
                return false;
            }

            _nominationSent = true;
            return true;
        }

        IceCandidatePair? next = null;
        while (_triggered.TryDequeue(out IceCandidatePair? p))
        {
            if (p.State == IcePairState.Waiting)
            {
                next = p;
                break;
            }
        }

        if (next is null && _selected is null)
        {
            next = NextOrdinaryPair();
        }

        if (next is null || !StartTransaction(TransactionKind.Check, next, null, next.Remote.EndPoint, useCandidate: false))
        {
            return false;
        }

        next.State = IcePairState.InProgress;
        return true;
    }

    private IceCandidatePair? NextOrdinaryPair()
    {
        foreach (IceCandidatePair p in _pairs)
        {
            if (p.State == IcePairState.Waiting)
            {
                return p;
            }
        }

        // RFC 8445 §6.1.4.2: nothing waits, so unfreeze the best Frozen pair of every foundation that
        // has no Waiting or In-Progress pair.
        IceCandidatePair? first = null;
        foreach (IceCandidatePair p in _pairs)
        {
            if (p.State != IcePairState.Frozen || FoundationBusy(p))
            {
                continue;
            }

            p.State = IcePairState.Waiting;
            first ??= p;
        }

        return first;
    }

    private bool FoundationBusy(IceCandidatePair pair)
    {
        foreach (IceCandidatePair p in _pairs)
        {
            if (p != pair && p.State is IcePairState.Waiting or IcePairState.InProgress && p.SameFoundation(pair))
            {
                return true;
            }
        }

        return false;
    }

    private bool HasSucceededPair()
    {
        foreach (IceCandidatePair p in _pairs)
        {
            if (p.State == IcePairState.Succeeded)
            {
                return true;
            }
        }

        return false;
    }

    private bool HasCheckWork()
    {
        if ((_nominating is not null && !_nominationSent) || _triggered.Count > 0)
        {
            return true;
        }

        if (_selected is null)
        {
            foreach (IceCandidatePair p in _pairs)
            {
                if (p.State is IcePairState.Waiting or IcePairState.Frozen)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void Trigger(IceCandidatePair pair)
    {
        if (!_triggered.Contains(pair))
        {
            _triggered.Enqueue(pair);
        }
    }

    private void ExpireTransactions()
    {
        for (int i = 0; i < _transactions.Length; i++)
        {
            ref Transaction t = ref _transactions[i];
            if (t.Kind == TransactionKind.None || t.SendPending || _now < t.NextAt)
            {
                continue;
            }

            if (t.Cancelled)
            {
                t = default; // a cancelled check's silence is not a failure
                continue;
            }

            if (t.Transmits < MaxTransmits(t.Kind))
            {
                t.SendPending = true;
                continue;
            }

            TransactionKind kind = t.Kind;
            IceCandidatePair? pair = t.Pair;
            t = default;
            if (kind == TransactionKind.Server)
            {
                CheckGatheringComplete();
            }
            else if (kind == TransactionKind.Check && pair is not null)
            {
                if (pair == _nominating)
                {
                    _nominating = null;
                    _nominationSent = false;
                }

                pair.State = IcePairState.Failed;
            }
        }
    }

    private int MaxTransmits(TransactionKind kind) => kind switch
    {
        TransactionKind.Check => _config.MaxTransmits,
        TransactionKind.Server => 3,
        _ => 1,
    };

    private bool StartTransaction(TransactionKind kind, IceCandidatePair? pair, IceCandidate? hostBase, IPEndPoint destination, bool useCandidate)
    {
        for (int i = 0; i < _transactions.Length; i++)
        {
            ref Transaction t = ref _transactions[i];
            if (t.Kind != TransactionKind.None)
            {
                continue;
            }

            t = new Transaction
            {
                Kind = kind,
                Id = new StunTransactionId(_random.NextUInt64(), (uint)_random.NextUInt64()),
                Pair = pair,
                Base = hostBase,
                Destination = destination,
                Rto = _config.InitialRto,
                UseCandidate = useCandidate,
                SendPending = true,
            };
            return true;
        }

        DroppedCount++;
        return false;
    }

    private int FindTransaction(StunTransactionId id)
    {
        for (int i = 0; i < _transactions.Length; i++)
        {
            if (_transactions[i].Kind != TransactionKind.None && _transactions[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    private int WriteRequest(Span<byte> buffer, ref Transaction t)
    {
        Span<byte> id = stackalloc byte[StunProtocol.TransactionIdSize];
        t.Id.Write(id);
        var writer = new StunWriter(buffer, StunProtocol.BindingRequest, id);
        if (t.Kind != TransactionKind.Server)
        {
            // RFC 8445 §7.2.2: USERNAME "remote:local", PRIORITY of a peer-reflexive candidate from
            // this base, the role attribute, USE-CANDIDATE when nominating, integrity with the remote
            // password, fingerprint.
            IceCandidatePair pair = t.Pair!;
            writer.WriteUsername(_remote!.UfragBytes, _local.UfragBytes);
            int localPreference = (int)((pair.Local.Priority >> 8) & 0xFFFF);
            writer.WritePriority(IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, localPreference));
            if (_controlling)
            {
                writer.WriteIceControlling(TieBreaker);
            }
            else
            {
                writer.WriteIceControlled(TieBreaker);
            }

            if (t.UseCandidate && _controlling)
            {
                writer.WriteUseCandidate();
            }

            writer.WriteMessageIntegrity(_remote.PasswordBytes);
        }

        writer.WriteFingerprint();
        t.SentControlling = _controlling;
        t.SendPending = false;
        t.Transmits++;
        if (t.Kind == TransactionKind.Consent)
        {
            t.NextAt = _now + _config.ConsentInterval;
        }
        else if (t.Kind == TransactionKind.Check && t.Transmits == _config.MaxTransmits)
        {
            t.NextAt = _now + (_config.InitialRto * _config.LastWaitMultiplier);
        }
        else
        {
            t.NextAt = _now + t.Rto;
            t.Rto *= 2;
        }

        return writer.Length;
    }

    private int WriteResponse(Span<byte> buffer, in PendingResponse response)
    {
        Span<byte> id = stackalloc byte[StunProtocol.TransactionIdSize];
        response.Id.Write(id);
        if (response.ErrorCode == 0)
        {
            var ok = new StunWriter(buffer, StunProtocol.BindingSuccessResponse, id);
            ok.WriteXorMappedAddress(response.Destination);
            ok.WriteMessageIntegrity(_local.PasswordBytes);
            ok.WriteFingerprint();
            return ok.Length;
        }

        var error = new StunWriter(buffer, StunProtocol.BindingErrorResponse, id);
        error.WriteErrorCode(response.ErrorCode, response.ErrorCode switch
        {
            400 => "Bad Request"u8,
            401 => "Unauthenticated"u8,
            420 => "Unknown Attribute"u8,
            _ => "Role Conflict"u8,
        });
        if (response.ErrorCode == 420)
        {
            error.WriteUnknownAttributes(response.UnknownAttribute);
        }

        if (response.Authenticated)
        {
            error.WriteMessageIntegrity(_local.PasswordBytes);
        }

        error.WriteFingerprint();
        return error.Length;
    }

    private void QueueResponse(StunTransactionId id, IPEndPoint destination, int errorCode, bool authenticated, ushort unknownAttribute = 0)
    {
        if (_responseCount == _responses.Length)
        {
            DroppedCount++;
            return;
        }

        _responses[(_responseHead + _responseCount) % _responses.Length] = new PendingResponse
        {
            Id = id,
            Destination = destination,
            ErrorCode = errorCode,
            Authenticated = authenticated,
            UnknownAttribute = unknownAttribute,
        };
        _responseCount++;
    }

    private void SwitchRole(bool controlling)
    {
        _controlling = controlling;
        if (!controlling)
        {
            _nominating = null;
            _nominationSent = false;
        }

        ResortPairs();
        _events.Enqueue(new IceEvent(IceEventKind.RoleChanged, Controlling: controlling));
    }

    private void ResortPairs()
    {
        foreach (IceCandidatePair p in _pairs)
        {
            p.UpdatePriority(_controlling);
        }

        _pairs.Sort(s_byPriority);
    }

    private IceCandidatePair? AddPair(IceCandidate local, IceCandidate remote)
    {
        if (local.EndPoint.AddressFamily != remote.EndPoint.AddressFamily)
        {
            return null;
        }

        if (_pairs.Count >= _config.MaxPairs)
        {
            DroppedCount++;
            return null;
        }

        var pair = new IceCandidatePair(local, remote, _pairOrder++);
        pair.UpdatePriority(_controlling);
        int at = 0;
        while (at < _pairs.Count && s_byPriority(_pairs[at], pair) < 0)
        {
            at++;
        }

        _pairs.Insert(at, pair);
        return pair;
    }

    private IceCandidatePair? FindPair(IceCandidate local, IceCandidate remote)
    {
        foreach (IceCandidatePair p in _pairs)
        {
            if (p.Local == local && p.Remote == remote)
            {
                return p;
            }
        }

        return null;
    }

    private IceCandidate? FindRemote(IPEndPoint endPoint)
    {
        foreach (IceCandidate c in _remoteCandidates)
        {
            if (c.EndPoint.Equals(endPoint))
            {
                return c;
            }
        }

        return null;
    }

    private IceCandidate? FindLocal(IPEndPoint? local, IPEndPoint remote)
    {
        IceCandidate? sameFamily = null;
        foreach (IceCandidate c in _localCandidates)
        {
            if (c.Type != IceCandidateType.Host || c.EndPoint.AddressFamily != remote.AddressFamily)
            {
                continue;
            }

            if (local is not null && c.EndPoint.Equals(local))
            {
                return c;
            }

            sameFamily ??= c;
        }

        return sameFamily;
    }

    private void UpdateState()
    {
        switch (_state)
        {
            case IceState.New:
                if (_remote is not null && _pairs.Count > 0)
                {
                    SetState(IceState.Checking);
                }

                break;
            case IceState.Checking:
                if (AllPairsFailed())
                {
                    SetState(IceState.Failed);
                }

                break;
            case IceState.Failed:
                if (!_consentExpired && _remote is not null && !AllPairsFailed())
                {
                    SetState(IceState.Checking);
                }

                break;
            case IceState.Connected:
            case IceState.Disconnected:
                if (_now - _lastConsentAt >= _config.ConsentExpiry)
                {
                    _consentExpired = true;
                    Array.Clear(_transactions);
                    _triggered.Clear();
                    _nominating = null;
                    SetState(IceState.Failed);
                }
                else if (_state == IceState.Connected && _now - _lastConsentAt >= _config.DisconnectedAfter)
                {
                    SetState(IceState.Disconnected);
                }

                break;
        }
    }

    private bool AllPairsFailed()
    {
        if (_pairs.Count == 0 || _selected is not null || _triggered.Count > 0)
        {
            return false;
        }

        foreach (IceCandidatePair p in _pairs)
        {
            if (p.State != IcePairState.Failed)
            {
                return false;
            }
        }

        return true;
    }

    private void SetState(IceState next)
    {
        IceState old = _state;
        if (old == next)
        {
            return;
        }

        bool legal = (old, next) switch
        {
            (_, IceState.Closed) => true,
            (IceState.New, IceState.Checking) => true,
            (IceState.Checking, IceState.Connected or IceState.Failed) => true,
            (IceState.Connected, IceState.Disconnected or IceState.Failed) => true,
            (IceState.Disconnected, IceState.Connected or IceState.Failed) => true,
            (IceState.Failed, IceState.Checking) => true,
            _ => false,
        };
        if (!legal)
        {
            ThrowIllegalTransition(old, next);
        }

        _state = next;
        _events.Enqueue(new IceEvent(IceEventKind.StateChanged, old, next));
    }

    private void ThrowIfClosed()
    {
        if (_state == IceState.Closed)
        {
            ThrowClosed();
        }
    }

    [DoesNotReturn]
    private static void ThrowClosed() => throw new InvalidOperationException("The ICE agent is closed.");

    [DoesNotReturn]
    private static void ThrowIllegalTransition(IceState from, IceState to) =>
        throw new InvalidOperationException($"Illegal ICE state transition {from} => {to}.");

    private enum TransactionKind : byte
    {
        None,
        Check,
        Consent,
        Server,
    }

    private struct Transaction
    {
        public TransactionKind Kind;
        public StunTransactionId Id;
        public IceCandidatePair? Pair;
        public IceCandidate? Base;
        public IPEndPoint Destination;
        public long NextAt;
        public long Rto;
        public int Transmits;
        public bool UseCandidate;
        public bool SentControlling;
        public bool SendPending;
        public bool Cancelled;
    }

    private struct PendingResponse
    {
        public StunTransactionId Id;
        public IPEndPoint Destination;
        public int ErrorCode;
        public bool Authenticated;
        public ushort UnknownAttribute;
    }
}
