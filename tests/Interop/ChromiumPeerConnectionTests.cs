using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire;
using RtcScamp.Wire.Signaling;
using Xunit;
using IceCandidateType = RtcScamp.Transport.WebRtc.Ice.IceCandidateType;

namespace RtcScamp.Interop;

/// <summary>
/// PeerConnection (ICE + DTLS) against real Chromium, both directions, with every description
/// passing through the compact signaling string: Chromium's SDP → <see cref="SdpParser"/> →
/// <see cref="CompactSignaling.TryCompact"/> → string → our connection; our string →
/// <see cref="CompactSignaling.Expand"/> → SDP → <c>setRemoteDescription</c>. Success means Chromium's
/// <c>RTCPeerConnection.connectionState</c> is <c>connected</c> (ICE and DTLS done; SCTP is not part
/// of it) and our side verified Chromium's certificate fingerprint and derived the NodeId of the key
/// Chromium really used (read back from <c>getStats()</c>' certificate entry).
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumPeerConnectionTests(ChromiumFixture chromium)
{
    private const int WaitMilliseconds = 20_000;

    private static readonly NodeIdentity s_identity = NodeIdentity.Generate();

    // Defines helpers in the page: gathering wait and the certificate stats.
    private const string PageHelpers = """
        () => {
          window.gathered = pc => new Promise(resolve => {
            if (pc.iceGatheringState === 'complete') return resolve();
            pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
            setTimeout(resolve, 5000);
          });
          window.certificates = async pc => {
            const out = [];
            (await pc.getStats()).forEach(s => { if (s.type === 'certificate') out.push({ fingerprint: s.fingerprint, der: s.base64Certificate }); });
            return JSON.stringify(out);
          };
        }
        """;

    [Theory]
    [InlineData(false)] // Chromium as shipped: its host address is an mDNS name, learned as peer-reflexive
    [InlineData(true)] // --disable-features=WebRtcHideLocalIpsWithMdns: its host candidate is signaled
    public async Task Chromium_offers_and_dotnet_answers_through_compact_strings(bool revealHostIps)
    {
        InteropRequirements.Require(chromium.MissingReason);
        await using IBrowserContext context = await Browser(revealHostIps).NewContextAsync();
        IPage page = await NewPageAsync(context);
        await using var driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(chromium.Network.HostAddress), 0));
        PeerConnection ours = driver.CreatePeerConnection(s_identity);
        var outcome = Watch(ours);

        SessionDescription offer = await ChromiumOfferAsync(page);
        string offerString = CompactChecked(offer, revealHostIps);
        Assert.True(ours.TryAcceptOffer(offerString, out string? answerString, out string error), error);
        Assert.True(BrowserSdp.TryExpand(answerString, out string? answerSdp, out error, offer.Mid), error);
        await page.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", answerSdp);

        Assert.Equal("connected", await ConnectionStateAsync(page));
        Assert.Equal(Outcome.Connected, await outcome.Task.WaitAsync(TimeSpan.FromMilliseconds(WaitMilliseconds), TestContext.Current.CancellationToken));
        await AssertIdentitiesAsync(page, ours, offer);
        Assert.False(ours.IsIceControlling); // the offerer (Chromium) controls
        Assert.Equal(Transport.WebRtc.Dtls.DtlsRole.Client, ours.DtlsRole); // we answered active
        AssertOwnRecordLayer(ours);
        AssertSelectedRemote(ours, revealHostIps);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dotnet_offers_and_chromium_answers_through_compact_strings(bool revealHostIps)
    {
        InteropRequirements.Require(chromium.MissingReason);
        await using IBrowserContext context = await Browser(revealHostIps).NewContextAsync();
        IPage page = await NewPageAsync(context);
        await using var driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(chromium.Network.HostAddress), 0));
        PeerConnection ours = driver.CreatePeerConnection(s_identity);
        var outcome = Watch(ours);

        Assert.True(BrowserSdp.TryExpand(ours.CreateOffer(), out string? offerSdp, out string error), error);
        SessionDescription answer = await ChromiumAnswerAsync(page, offerSdp);
        Assert.True(ours.TryAcceptAnswer(CompactChecked(answer, revealHostIps), out error), error);

        Assert.Equal("connected", await ConnectionStateAsync(page));
        Assert.Equal(Outcome.Connected, await outcome.Task.WaitAsync(TimeSpan.FromMilliseconds(WaitMilliseconds), TestContext.Current.CancellationToken));
        await AssertIdentitiesAsync(page, ours, answer);
        Assert.True(ours.IsIceControlling);
        Assert.Equal(Transport.WebRtc.Dtls.DtlsRole.Server, ours.DtlsRole); // Chromium answered active
        AssertOwnRecordLayer(ours);
        AssertSelectedRemote(ours, revealHostIps);
    }

    [Fact]
    public async Task Chromium_fails_when_the_fingerprint_we_signal_is_not_our_certificate()
    {
        InteropRequirements.Require(chromium.MissingReason);
        await using IBrowserContext context = await chromium.RevealingBrowser.NewContextAsync();
        IPage page = await NewPageAsync(context);
        await using var driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(chromium.Network.HostAddress), 0));
        PeerConnection ours = driver.CreatePeerConnection(s_identity);
        var outcome = Watch(ours);

        SessionDescription offer = ExpandChecked(ours.CreateOffer());
        byte[] wrong = offer.Fingerprint.ToArray();
        wrong[0] ^= 0x80;
        SessionDescription answer = await ChromiumAnswerAsync(page, (offer with { Fingerprint = wrong }).ToString());
        Assert.True(ours.TryAcceptAnswer(CompactChecked(answer, revealHostIps: true), out string error), error);

        Assert.Equal("failed", await ConnectionStateAsync(page));
        Assert.NotEqual(PeerConnectionState.Connected, ours.State);
        if (await Task.WhenAny(outcome.Task, Task.Delay(5_000, TestContext.Current.CancellationToken)) == outcome.Task)
        {
            // Chromium aborts its handshake with a fatal alert, which ends ours.
            Assert.Equal(Outcome.Failed, await outcome.Task);
            Assert.Equal(PeerConnectionFailureReason.DtlsAlertReceived, ours.Failure.Reason);
        }
    }

    [Fact]
    public async Task Dotnet_fails_with_FingerprintMismatch_when_chromium_fingerprint_is_tampered()
    {
        InteropRequirements.Require(chromium.MissingReason);
        await using IBrowserContext context = await chromium.RevealingBrowser.NewContextAsync();
        IPage page = await NewPageAsync(context);
        await using var driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Parse(chromium.Network.HostAddress), 0));
        PeerConnection ours = driver.CreatePeerConnection(s_identity);
        var outcome = Watch(ours);

        SessionDescription offer = await ChromiumOfferAsync(page);
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(CompactChecked(offer, revealHostIps: true), out SignalingBlob blob, out _));
        byte[] wrong = blob.Fingerprint.ToArray();
        wrong[31] ^= 0x01;
        string tampered = SignalingBlob.WithCredentials(blob.Role, blob.Setup, wrong, blob.IceUfrag, blob.IcePassword, blob.Candidates, blob.MaxMessageSize).Encode();
        Assert.True(ours.TryAcceptOffer(tampered, out string? answerString, out string error), error);
        await page.EvaluateAsync("sdp => pc.setRemoteDescription({ type: 'answer', sdp })", ExpandChecked(answerString).ToString());

        Assert.Equal(Outcome.Failed, await outcome.Task.WaitAsync(TimeSpan.FromMilliseconds(WaitMilliseconds), TestContext.Current.CancellationToken));
        Assert.Equal(PeerConnectionFailureReason.FingerprintMismatch, ours.Failure.Reason);
        Assert.Equal(42, ours.Failure.Alert); // we sent bad_certificate
        Assert.Equal("failed", await ConnectionStateAsync(page));
    }

    private IBrowser Browser(bool revealHostIps) => revealHostIps ? chromium.RevealingBrowser : chromium.HidingBrowser;

    private static async Task<IPage> NewPageAsync(IBrowserContext context)
    {
        IPage page = await context.NewPageAsync();
        await page.EvaluateAsync(PageHelpers);
        return page;
    }

    private static async Task<SessionDescription> ChromiumOfferAsync(IPage page)
    {
        string sdp = await page.EvaluateAsync<string>("""
            async () => {
              window.pc = new RTCPeerConnection();
              pc.createDataChannel('x'); // without a data channel Chromium offers no m=application and runs no DTLS
              await pc.setLocalDescription(await pc.createOffer());
              await gathered(pc);
              return pc.localDescription.sdp;
            }
            """);
        return Parse(sdp);
    }

    private static async Task<SessionDescription> ChromiumAnswerAsync(IPage page, string offerSdp)
    {
        string sdp = await page.EvaluateAsync<string>("""
            async offer => {
              window.pc = new RTCPeerConnection();
              await pc.setRemoteDescription({ type: 'offer', sdp: offer });
              await pc.setLocalDescription(await pc.createAnswer());
              await gathered(pc);
              return pc.localDescription.sdp;
            }
            """, offerSdp);
        return Parse(sdp);
    }

    /// <summary>Waits until Chromium's connectionState is connected or failed, and returns it.</summary>
    private static async Task<string> ConnectionStateAsync(IPage page)
    {
        await page.WaitForFunctionAsync(
            "() => pc.connectionState === 'connected' || pc.connectionState === 'failed'",
            null,
            new PageWaitForFunctionOptions { Timeout = WaitMilliseconds, PollingInterval = 50 });
        return await page.EvaluateAsync<string>("() => pc.connectionState");
    }

    private async Task AssertIdentitiesAsync(IPage page, PeerConnection ours, SessionDescription chromiumDescription)
    {
        // The fingerprint we pinned is the one Chromium signaled …
        var signaled = new CertificateFingerprint(chromiumDescription.Fingerprint.Span);
        Assert.Equal(signaled, ours.RemoteFingerprint);

        // … and the NodeId we derived is that of the key in the certificate Chromium really used.
        string json = await page.EvaluateAsync<string>("() => certificates(pc)");
        var certificates = JsonSerializer.Deserialize<List<CertificateStat>>(json)!;
        NodeId chromiumKey = default;
        bool sawOurs = false;
        foreach (CertificateStat c in certificates)
        {
            Assert.True(CertificateFingerprint.TryParse(c.fingerprint, out CertificateFingerprint fp), c.fingerprint);
            if (fp == signaled)
            {
                Assert.True(NodeIdentity.TryDeriveNodeIdFromCertificate(Convert.FromBase64String(c.der), out chromiumKey));
            }

            sawOurs |= fp == s_identity.Fingerprint; // Chromium saw our certificate as its remote one
        }

        Assert.NotEqual(default, chromiumKey);
        Assert.Equal(chromiumKey, ours.RemoteNodeId);
        Assert.True(sawOurs, "Chromium's stats do not list our certificate: " + json);
        _ = chromium;
    }

    private void AssertSelectedRemote(PeerConnection ours, bool revealHostIps)
    {
        Transport.WebRtc.Ice.IceCandidatePair pair = ours.SelectedPair!;
        Assert.Equal(IPAddress.Parse(chromium.Network.BrowserAddress), pair.Remote.EndPoint.Address);

        // Hidden behind mDNS, Chromium's address is only ever learned from its checks.
        Assert.Equal(revealHostIps ? IceCandidateType.Host : IceCandidateType.PeerReflexive, pair.Remote.Type);
    }

    private string CompactChecked(SessionDescription description, bool revealHostIps)
    {
        Assert.Equal(CompactResult.Ok, CompactSignaling.TryCompact(description, out SignalingBlob blob, out CompactionReport report, out string error));
        Assert.Empty(error);
        if (revealHostIps)
        {
            Assert.Contains(blob.Candidates.ToArray(), c => c.ToIPAddress().ToString() == chromium.Network.BrowserAddress);
        }
        else
        {
            Assert.True(report.Mdns >= 1, $"expected an mDNS host candidate, report {report}");
            Assert.Equal(0, blob.Candidates.Length);
        }

        return blob.Encode();
    }

    private static SessionDescription ExpandChecked(string text)
    {
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(text, out SignalingBlob blob, out string error));
        Assert.Empty(error);
        return CompactSignaling.Expand(blob);
    }

    private static SessionDescription Parse(string sdp)
    {
        Assert.Equal(SdpParseResult.Ok, SdpParser.TryParse(sdp, out SessionDescription? description, out SdpParseError error));
        _ = error;
        return description!;
    }

    private static TaskCompletionSource<Outcome> Watch(PeerConnection connection)
    {
        var tcs = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Connected += _ => tcs.TrySetResult(Outcome.Connected);
        connection.Failed += (_, _) => tcs.TrySetResult(Outcome.Failed);
        connection.Closed += _ => tcs.TrySetResult(Outcome.Closed);
        return tcs;
    }

    private enum Outcome
    {
        Connected,
        Failed,
        Closed,
    }

    private sealed record CertificateStat(string fingerprint, string der);

    // After the handshake application data runs through our record layer (AES-GCM or ChaCha20 from
    // System.Security.Cryptography), not BouncyCastle's: the data-channel tests then prove it byte-exact with Chromium.
    private static void AssertOwnRecordLayer(PeerConnection ours) =>
        Assert.True(
            ours.DtlsRecordProtection is Transport.WebRtc.Dtls.DtlsRecordProtection.Aes128Gcm or Transport.WebRtc.Dtls.DtlsRecordProtection.Aes256Gcm
                or Transport.WebRtc.Dtls.DtlsRecordProtection.ChaCha20Poly1305,
            $"record protection {ours.DtlsRecordProtection}");
}
