using System.Net;
using System.Text;
using RtcScamp.Cli;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Identity;
using Xunit;

namespace RtcScamp.Tests.DataChannels;

/// <summary><c>rtcscamp echo</c> run in-process against a PeerConnection on 127.0.0.1.</summary>
public sealed class EchoCommandTests
{
    [Fact]
    public async Task Echo_answers_an_offer_and_echoes_text_and_binary_then_exits_when_closed()
    {
        await using var driver = new WebRtcUdpDriver(new IPEndPoint(IPAddress.Loopback, 0));
        PeerConnection pc = driver.CreatePeerConnection(NodeIdentity.Generate());
        string offer = pc.CreateOffer();
        var stdout = new LineWriter();
        var stderr = new StringWriter();
        Task<int> echo = Task.Run(() => CliApp.Run(["echo", "--answer", offer, "--bind", "127.0.0.1", "--timeout", "30"], TextReader.Null, stdout, TextWriter.Synchronized(stderr)), TestContext.Current.CancellationToken);

        string answer = await stdout.FirstLine.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(pc.TryAcceptAnswer(answer, out string error), error);
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var echoed = System.Threading.Channels.Channel.CreateUnbounded<(byte[], bool)>();
        RtcDataChannel channel = pc.CreateDataChannel("hello");
        channel.Opened += _ => opened.TrySetResult();
        channel.MessageReceived += (_, m, text) => echoed.Writer.TryWrite((m.ToArray(), text));
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(DataChannelSendResult.Ok, channel.Send("ping"));
        byte[] binary = [.. Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31))];
        Assert.Equal(DataChannelSendResult.Ok, channel.Send(binary));
        (byte[] first, bool firstText) = await echoed.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        (byte[] second, bool secondText) = await echoed.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("ping", Encoding.UTF8.GetString(first));
        Assert.True(firstText);
        Assert.Equal(binary, second);
        Assert.False(secondText);

        pc.Close();
        Assert.Equal(CliApp.Ok, await echo.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        string log = stderr.ToString();
        // We offered, so we are the DTLS server and pick odd stream ids.
        Assert.Contains("channel 1 'hello' opened by the peer", log, StringComparison.Ordinal);
        Assert.Contains("binary 70000 B, echoed: Ok", log, StringComparison.Ordinal);
        Assert.Contains("text 4 B, echoed: Ok", log, StringComparison.Ordinal);
        Assert.Contains("connection closed", log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wildcard_bind_is_refused_with_a_clear_error()
    {
        var stderr = new StringWriter();
        int code = CliApp.Run(["echo", "--offer", "--bind", "0.0.0.0:5000"], TextReader.Null, new StringWriter(), stderr);
        Assert.Equal(CliApp.UsageError, code);
        Assert.Contains("a wildcard address cannot be signaled", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(CliApp.UsageError, CliApp.Run(["echo"], TextReader.Null, new StringWriter(), new StringWriter()));
    }

    /// <summary>A stdout that hands over its first line.</summary>
    private sealed class LineWriter : TextWriter
    {
        private readonly StringBuilder _line = new();

        public TaskCompletionSource<string> FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    FirstLine.TrySetResult(_line.ToString().TrimEnd('\r'));
                }
                else
                {
                    _line.Append(value);
                }
            }
        }
    }
}
