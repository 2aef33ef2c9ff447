using System.Globalization;
using System.Net;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Cli.Commands;

/// <summary>
/// <c>rtcscamp echo</c>: a hand-testing WebRTC peer. It connects through compact signaling strings
/// (or a browser's SDP turned into one with <c>rtcscamp sdp compact</c>) and echoes every data-channel
/// message back on the channel it came from, logging what it sees to stderr.
/// </summary>
internal static class EchoCommand
{
    private const int DefaultTimeoutSeconds = 120;

    public static CliCommand Echo { get; } = new(
        ["echo"],
        "rtcscamp echo --offer | --answer <offer>",
        "a WebRTC peer that echoes every data-channel message",
        """
        Connects one WebRTC peer connection (ICE, DTLS, SCTP) and echoes every message of every
        data channel the other side opens back on the same channel (text as text, binary as
        binary). Channel opens and closes and each message's size are logged to stderr.

          rtcscamp echo --offer            prints an offer string, then reads the answer string
                                           from stdin (one line)
          rtcscamp echo --answer <offer>   prints the answer string to the given offer

        It exits 0 when the other side closes the connection, 1 if the connection fails or is not
        up within --timeout.

        options:
          --bind <address>[:<port>]   local address and port (default 127.0.0.1:0, any free port);
                                      it is signaled as the host candidate, so 0.0.0.0 and :: are refused
          --timeout <seconds>         how long to wait for the connection (default 120)
        """,
        Run);

    private static int Run(CliContext context)
    {
        var args = context.Args.ToList();
        bool offer = CliArguments.TakeFlag(args, "--offer");
        (List<string> positionals, Dictionary<string, string> options) = CliArguments.Parse(args, "answer", "bind", "timeout");
        if (positionals.Count > 0)
        {
            throw new CliUsageException($"unexpected argument '{positionals[0]}'");
        }

        bool answer = options.TryGetValue("answer", out string? remoteOffer);
        if (offer == answer)
        {
            throw new CliUsageException("give exactly one of --offer and --answer <offer>");
        }

        IPEndPoint bind = ParseBind(options.GetValueOrDefault("bind") ?? "127.0.0.1:0");
        long timeout = options.TryGetValue("timeout", out string? t) ? CliArguments.ParseInt64("timeout", t) : DefaultTimeoutSeconds;
        if (timeout <= 0)
        {
            throw new CliUsageException("--timeout must be positive");
        }

        return RunAsync(context, bind, remoteOffer, TimeSpan.FromSeconds(timeout)).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(CliContext context, IPEndPoint bind, string? remoteOffer, TimeSpan timeout)
    {
        TextWriter log = TextWriter.Synchronized(context.Error);
        await using var driver = new WebRtcUdpDriver(bind);
        PeerConnection pc = driver.CreatePeerConnection(NodeIdentity.Generate());
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        pc.Connected += c =>
        {
            log.WriteLine($"echo: connected to {c.SelectedPair?.Remote.EndPoint} (node {c.RemoteNodeId}), peer max-message-size {c.RemoteMaxMessageSize}");
            connected.TrySetResult();
        };
        pc.Failed += (_, f) =>
        {
            log.WriteLine($"echo: connection failed: {f}");
            connected.TrySetException(new CliFailure($"connection failed: {f}"));
            ended.TrySetResult(CliApp.RuntimeError);
        };
        pc.Closed += _ =>
        {
            log.WriteLine("echo: connection closed");
            ended.TrySetResult(CliApp.Ok);
        };
        pc.IncomingDataChannel += channel =>
        {
            log.WriteLine($"echo: channel {channel.Id} '{channel.Label}' opened by the peer (protocol '{channel.Protocol}', {(channel.Ordered ? "ordered" : "unordered")})");
            channel.MessageReceived += (ch, message, isText) =>
            {
                var result = ch.Send(message, isText);
                log.WriteLine($"echo: channel {ch.Id} '{ch.Label}': {(isText ? "text" : "binary")} {message.Length} B, echoed: {result}");
            };
            channel.Closed += ch => log.WriteLine($"echo: channel '{ch.Label}' closed");
        };

        if (remoteOffer is not null)
        {
            if (!pc.TryAcceptOffer(remoteOffer.Trim(), out string? answer, out string error))
            {
                throw new CliFailure($"bad offer: {error}");
            }

            await context.Out.WriteLineAsync(answer).ConfigureAwait(false);
            await context.Out.FlushAsync().ConfigureAwait(false);
        }
        else
        {
            await context.Out.WriteLineAsync(pc.CreateOffer()).ConfigureAwait(false);
            await context.Out.FlushAsync().ConfigureAwait(false);
            log.WriteLine("echo: paste the answer string and press Enter");
            string? line = await Task.Run(context.In.ReadLine).WaitAsync(timeout).ConfigureAwait(false);
            if (line is null)
            {
                throw new CliFailure("no answer on stdin");
            }

            if (!pc.TryAcceptAnswer(line.Trim(), out string error))
            {
                throw new CliFailure($"bad answer: {error}");
            }
        }

        log.WriteLine($"echo: listening on {driver.LocalEndPoint}, connecting");
        try
        {
            await connected.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new CliFailure($"not connected within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }

        return await ended.Task.ConfigureAwait(false);
    }

    private static IPEndPoint ParseBind(string text)
    {
        if (!IPEndPoint.TryParse(text, out IPEndPoint? endPoint))
        {
            throw new CliUsageException($"--bind needs <address>[:<port>], got '{text}'");
        }

        if (endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            throw new CliUsageException($"--bind {text}: a wildcard address cannot be signaled as a candidate; give the interface address the peer should reach (e.g. 127.0.0.1 or 192.168.1.20)");
        }

        return endPoint;
    }
}
