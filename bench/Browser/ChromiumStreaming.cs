using RtcScamp.Transport.WebRtc;

namespace RtcScamp.Bench.Browser;

/// <summary>
/// The page-side scripts of the Chromium data-channel throughput benchmarks, shared so that every
/// receiver (our PeerConnection, another Chromium page) is fed by the very same sender and measured
/// the same way: one op = the sender page's promise from its first <c>send</c> to the receiver's
/// "done" reply on the channel.
/// </summary>
internal static class ChromiumStreaming
{
    /// <summary>Bytes per op: 20 MB (MB/s = 20 / seconds).</summary>
    public const int Total = 20 * 1000 * 1000;

    /// <summary>
    /// Defines <c>stream(dc, total, size)</c>: sends <c>total</c> bytes as <c>size</c>-byte binary
    /// messages (the last one shorter) under Chromium's flow control — pause while
    /// <c>bufferedAmount</c> is above 4 MiB, resume on <c>bufferedamountlow</c> (threshold 1 MiB) —
    /// and resolves when the receiver answers "done".
    /// </summary>
    public const string Sender = """
        () => {
          window.stream = (dc, total, size) => new Promise(resolve => {
            const chunk = new Uint8Array(size);
            for (let i = 0; i < chunk.length; i++) chunk[i] = Math.imul(i, 0x9E3779B1) >>> 24;
            dc.bufferedAmountLowThreshold = 1 << 20;
            dc.onmessage = e => { if (e.data === 'done') resolve(); };
            (async () => {
              for (let off = 0; off < total;) {
                if (dc.bufferedAmount > (4 << 20)) await new Promise(r => dc.onbufferedamountlow = r);
                const n = Math.min(chunk.length, total - off);
                dc.send(n === chunk.length ? chunk : chunk.subarray(0, n)); off += n;
              }
            })();
          });
        }
        """;

    /// <summary>
    /// The receiving page's counterpart of our C# receiver: <c>countAndReply(ch)</c> counts the bytes of
    /// each message on <c>ch</c> and answers "done" when <c>total</c> have arrived, then counts afresh;
    /// <c>receive(pc)</c> does so for every channel the peer opens.
    /// </summary>
    public const string Receiver = """
        total => {
          window.countAndReply = ch => {
            ch.binaryType = 'arraybuffer';
            let got = 0;
            ch.onmessage = m => {
              got += m.data.byteLength;
              if (got === total) { got = 0; ch.send('done'); }
            };
          };
          window.receive = pc => pc.ondatachannel = e => countAndReply(e.channel);
        }
        """;

    /// <summary>Defines <c>gathered(pc)</c>: resolves when ICE gathering is complete (the full SDP is exchanged, no trickle).</summary>
    public const string Gathering = """
        () => {
          window.gathered = pc => Promise.race([
            new Promise(r => pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())),
            new Promise((_, no) => setTimeout(() => no(new Error('ICE gathering timed out')), 30000))]);
        }
        """;

    /// <summary>Our PeerConnection answers the page's full offer SDP; returns the full answer SDP for the page.</summary>
    public static string AnswerBrowserOffer(PeerConnection ours, string offerSdp)
    {
        if (!BrowserSdp.TryCompact(offerSdp, out string? offer, out string? mid, out string error)
            || !ours.TryAcceptOffer(offer, out string? answer, out error)
            || !BrowserSdp.TryExpand(answer, out string? answerSdp, out error, mid!))
        {
            throw new InvalidOperationException("signaling failed: " + error);
        }

        return answerSdp;
    }
}
