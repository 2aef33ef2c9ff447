using RtcScamp.Cli;
using RtcScamp.Tests.Sdp;
using RtcScamp.Tests.Signaling;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;
using Xunit;

namespace RtcScamp.Tests.Cli;

public class CliTests
{
    private static (int Code, string Out, string Err) RunWithInput(string stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, new StringReader(stdin), o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => RunWithInput(string.Empty, args);

    [Fact]
    public void Help_lists_every_command_and_exits_0()
    {
        foreach (string[] args in new[] { new[] { "help" }, ["--help"], ["-h"] })
        {
            (int code, string o, string e) = Run(args);
            Assert.Equal(0, code);
            Assert.Equal(string.Empty, e);
            Assert.Contains("rtcscamp signal demo [--seed N]", o, StringComparison.Ordinal);
            Assert.Contains("rtcscamp signal decode <string|->", o, StringComparison.Ordinal);
            Assert.Contains("rtcscamp sdp expand <string|->", o, StringComparison.Ordinal);
            Assert.Contains("rtcscamp sdp compact < offer.sdp", o, StringComparison.Ordinal);
            Assert.Contains("exit codes: 0 ok, 1 error", o, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_arguments_is_a_usage_error()
    {
        (int code, string o, string e) = Run();
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, o);
        Assert.Contains("usage: rtcscamp <command>", e, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "rtcscamp: unknown command 'frobnicate'")]
    [InlineData(new[] { "signal", "bogus" }, "rtcscamp: unknown command 'signal bogus'")]
    [InlineData(new[] { "signal", "demo", "--color" }, "rtcscamp signal demo: unknown option '--color'")]
    [InlineData(new[] { "signal", "demo", "--seed" }, "rtcscamp signal demo: option '--seed' needs a value")]
    [InlineData(new[] { "signal", "demo", "--seed", "ten" }, "rtcscamp signal demo: option '--seed' needs an integer, got 'ten'")]
    [InlineData(new[] { "signal", "demo", "extra" }, "rtcscamp signal demo: unexpected argument 'extra'")]
    [InlineData(new[] { "signal", "decode" }, "rtcscamp signal decode: missing signaling string")]
    [InlineData(new[] { "signal", "decode", "a", "b" }, "rtcscamp signal decode: expected one signaling string, got 2 arguments")]
    [InlineData(new[] { "sdp", "expand" }, "rtcscamp sdp expand: missing signaling string")]
    [InlineData(new[] { "sdp", "compact", "file.sdp" }, "rtcscamp sdp compact: unexpected argument 'file.sdp' (the SDP is read from stdin)")]
    [InlineData(new[] { "signal" }, "commands:")]
    public void Usage_errors_exit_2_with_a_message(string[] args, string message)
    {
        (int code, string o, string e) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, o);
        Assert.Contains(message, e, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_help_prints_its_usage_and_exits_0()
    {
        (int code, string o, _) = Run("signal", "demo", "--help");
        Assert.Equal(0, code);
        Assert.StartsWith("usage: rtcscamp signal demo [--seed N]", o, StringComparison.Ordinal);
        Assert.Contains("--seed N", o, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_with_a_seed_is_deterministic_and_shows_every_step()
    {
        (int code, string o, string e) = Run("signal", "demo", "--seed", "42");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, e);
        Assert.Equal(o, Run("signal", "demo", "--seed", "42").Out);
        Assert.NotEqual(o, Run("signal", "demo", "--seed", "43").Out);

        string[] lines = o.Split(Environment.NewLine);
        Assert.Equal("Compact signaling string demo (seed 42)", lines[0]);
        Assert.Contains("2. Its compact string: 97 characters (the same offer as SDP: ", o, StringComparison.Ordinal);
        int step2 = Array.FindIndex(lines, l => l.StartsWith("2. ", StringComparison.Ordinal));
        string text = lines[step2 + 2].Trim();
        Assert.Equal(97, text.Length);
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(text, out SignalingBlob blob, out _));
        Assert.Contains($"     ice-ufrag     {blob.IceUfrag}", lines);
        Assert.Contains("     candidate 1   host 192.0.2.10:50000", lines);
        Assert.Contains("     candidate 2   srflx 198.51.100.7:61000", lines);
        Assert.Contains("     role          offer", lines);
        Assert.Contains(lines, l => l.StartsWith("4. One character changed (position ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("     rejected: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Demo_without_a_seed_makes_fresh_keys()
    {
        (int code, string first, _) = Run("signal", "demo");
        Assert.Equal(0, code);
        Assert.NotEqual(first, Run("signal", "demo").Out);
        Assert.Contains("(random; --seed N repeats a run)", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_prints_fields_of_a_valid_string()
    {
        string text = SignalingSamples.ExplicitAnswer().Encode();
        (int code, string o, string e) = Run("signal", "decode", text);
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, e);
        Assert.Contains($"valid signaling string, {text.Length} characters", o, StringComparison.Ordinal);
        Assert.Contains("  role          answer", o, StringComparison.Ordinal);
        Assert.Contains("  dtls setup    active", o, StringComparison.Ordinal);
        Assert.Contains("  ice-ufrag     pVur", o, StringComparison.Ordinal);
        Assert.Contains("  max-message   1073741823", o, StringComparison.Ordinal);
        Assert.Contains("  candidate 2   relay 203.0.113.200:3478", o, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_reads_stdin_for_a_dash()
    {
        string text = SignalingSamples.HostSrflxOffer().Encode();
        (int code, string o, _) = RunWithInput(text + "\n", "signal", "decode", "-");
        Assert.Equal(0, code);
        Assert.Contains("  ice-ufrag     rgyon6RR", o, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_of_a_bad_string_exits_1_and_names_the_problem()
    {
        string text = SignalingSamples.HostSrflxOffer().Encode();
        (int code, string o, string e) = Run("signal", "decode", text[..60]);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, o);
        Assert.Equal("rtcscamp signal decode: truncated: expected 97 characters, got 60" + Environment.NewLine, e);

        (code, _, e) = Run("signal", "decode", text.Replace(text[50], text[50] == 'a' ? 'b' : 'a'));
        Assert.Equal(1, code);
        Assert.Contains("checksum mismatch", e, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_prints_chromium_style_sdp()
    {
        (int code, string o, string e) = Run("sdp", "expand", SignalingSamples.HostSrflxOffer().Encode());
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, e);
        Assert.Equal(SdpWriter.Write(CompactSignaling.Expand(SignalingSamples.HostSrflxOffer())), o);
        Assert.StartsWith("v=0\r\no=- ", o, StringComparison.Ordinal);
        Assert.Contains("a=ice-ufrag:rgyon6RR\r\n", o, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_of_a_bad_string_exits_1()
    {
        (int code, string o, string e) = Run("sdp", "expand", "rs1-");
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, o);
        Assert.Contains("invalid character '-' at position 4", e, StringComparison.Ordinal);
    }

    [Fact]
    public void Compact_reads_the_chromium_sample_and_notes_dropped_mdns_candidates()
    {
        (int code, string o, string e) = RunWithInput(ChromiumSamples.Offer, "sdp", "compact");
        Assert.Equal(0, code);
        string text = o.Trim();
        Assert.Equal(88, text.Length);
        Assert.Equal(SignalingDecodeResult.Ok, SignalingBlob.TryDecode(text, out SignalingBlob blob, out _));
        Assert.Equal("pVur", blob.IceUfrag);
        Assert.Contains("note: left out 2 .local mDNS host candidate(s)", e, StringComparison.Ordinal);

        // and back: the expanded SDP carries the browser's credentials and fingerprint
        (code, o, _) = Run("sdp", "expand", text);
        Assert.Equal(0, code);
        Assert.Contains("a=ice-pwd:L75vufVF31PIdelogd7nJ2cO\r\n", o, StringComparison.Ordinal);
        Assert.Contains("a=fingerprint:sha-256 1E:8C:9C:3D", o, StringComparison.Ordinal);
    }

    [Fact]
    public void Compact_of_bad_sdp_exits_1_with_the_line()
    {
        (int code, string o, string e) = RunWithInput("v=0\r\nm=audio 9 RTP/AVP 0\r\n", "sdp", "compact");
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, o);
        Assert.Equal("rtcscamp sdp compact: invalid SDP: line 2: unsupported media 'm=audio': only a data channel (m=application) is supported" + Environment.NewLine, e);
    }

    [Fact]
    public void Compact_rejects_oversized_stdin()
    {
        (int code, _, string e) = RunWithInput(new string('v', SdpParser.MaxLength + 10), "sdp", "compact");
        Assert.Equal(1, code);
        Assert.Contains("stdin holds more than", e, StringComparison.Ordinal);
    }
}
