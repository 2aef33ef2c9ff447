using System.Text.Json;
using RtcScamp.Cli;
using RtcScamp.Engine.Simulation;
using Xunit;

namespace RtcScamp.Tests.Simulation;

/// <summary>
/// What `rtcscamp simulate` does with input a user gets wrong and with output it cannot write: a usage error before
/// any work, or the numbers kept and one clear line, never a stack trace or a result that silently means nothing.
/// </summary>
public class SimulateCommandTests
{
    [Theory]
    [InlineData(new[] { "--json", "--json" }, "option '--json' given twice")]
    [InlineData(new[] { "--nodes", "20", "--nodes", "30" }, "option '--nodes' given twice")]
    [InlineData(new[] { "--trials", "99999999999999999999" }, "option '--trials' needs an integer in [0, 100000]")]
    [InlineData(new[] { "--lease", "922337203685477581" }, "option '--lease' needs an integer in [0, ")]
    [InlineData(new[] { "--lease", "50" }, "option '--lease' must be 0 or at least 10000 ms")]
    [InlineData(new[] { "--lease", "20000", "--latency", "5:500" }, "option '--lease' must be 0 or at least 100000 ms")]
    [InlineData(new[] { "--churn", "1", "--duration", "0" }, "option '--churn' applies to the timeline, which --duration 0 turns off")]
    [InlineData(new[] { "--sample", "1000" }, "option '--sample' applies to the timeline, which runs only with")]
    [InlineData(new[] { "--heartbeat", "5000" }, "option '--heartbeat' applies to the timeline")]
    [InlineData(new[] { "--heartbeat", "20", "--duration", "60000" }, "option '--heartbeat' must be at least the largest latency (50 ms;")]
    [InlineData(new[] { "--out", "" }, "option '--out' needs a file name")]
    [InlineData(new[] { "--png", "/" }, "option '--png': '/' is a directory")]
    [InlineData(new[] { "--out", "/no-such-directory-rtcscamp/x.json" }, "option '--out': directory '/no-such-directory-rtcscamp' does not exist")]
    [InlineData(new[] { "--out", "/tmp/rtcscamp-same-file", "--png", "/tmp/rtcscamp-same-file" }, "options '--png' and '--out' name the same file")]
    [InlineData(new[] { "--churn", "1000", "--duration", "100000000" }, "--churn 1000 for 100000000 ms would add 100000000 nodes")]
    public void Bad_input_is_a_usage_error_before_any_work(string[] options, string message)
    {
        (int code, string o, string e) = SimulatorTests.Cli(["simulate", "--nodes", "30", .. options]);
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, o);
        Assert.StartsWith("rtcscamp simulate: " + message, e, StringComparison.Ordinal);
        Assert.DoesNotContain("build:", e, StringComparison.Ordinal); // nothing ran
    }

    [Fact]
    public void A_run_larger_than_memory_is_refused_before_it_starts()
    {
        // 2·10⁷ nodes at c = 100: ~2.6 TB estimated, more than any machine this runs on.
        (int code, string o, string e) = SimulatorTests.Cli("simulate", "--nodes", "20000000", "--c", "100");
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, o);
        Assert.StartsWith("rtcscamp simulate: --nodes 20000000 with --c 100 needs about ", e, StringComparison.Ordinal);
        Assert.Contains("GiB this process may use", e, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_may_carry_a_plus_sign()
    {
        (int code, string o, _) = SimulatorTests.Cli("simulate", "--nodes", "30", "--trials", "1", "--seed", "+5", "--json", "--deterministic");
        Assert.Equal(0, code);
        Assert.Equal(5, JsonDocument.Parse(o).RootElement.GetProperty("seed").GetInt32());
    }

    [Fact]
    public void An_output_file_that_cannot_be_written_keeps_the_json_on_stdout_and_exits_1()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "needs /proc/version, a file no one can write");
        (int code, string o, string e) = SimulatorTests.Cli("simulate", "--nodes", "30", "--trials", "1", "--json", "--out", "/proc/version");
        Assert.Equal(1, code);
        Assert.Equal(30, JsonDocument.Parse(o).RootElement.GetProperty("nodes").GetInt32());
        Assert.Contains("rtcscamp simulate: cannot write '/proc/version'", e, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", e, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public void Standard_output_that_fails_still_writes_the_file_and_exits_1()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rtcscamp-sim-out-{Environment.ProcessId}.json");
        var e = new StringWriter();
        try
        {
            int code = CliApp.Run(["simulate", "--nodes", "30", "--trials", "1", "--json", "--out", path], new StringReader(string.Empty), new FullDisk(), e);
            Assert.Equal(1, code);
            Assert.Contains("rtcscamp simulate: cannot write standard output: No space left on device", e.ToString(), StringComparison.Ordinal);
            Assert.Equal(30, JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("nodes").GetInt32());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_progress_stream_that_fails_does_not_stop_the_run()
    {
        var o = new StringWriter();
        int code = CliApp.Run(["simulate", "--nodes", "30", "--trials", "1", "--json"], new StringReader(string.Empty), o, new FullDisk());
        Assert.Equal(0, code);
        Assert.Equal(30, JsonDocument.Parse(o.ToString()).RootElement.GetProperty("nodes").GetInt32());
    }

    [Fact]
    public void No_trials_report_no_reach_rather_than_a_reach_of_zero()
    {
        (int code, string o, _) = SimulatorTests.Cli("simulate", "--nodes", "30", "--trials", "0", "--json", "--deterministic");
        Assert.Equal(0, code);
        JsonElement reliability = JsonDocument.Parse(o).RootElement.GetProperty("reliability");
        Assert.Equal(JsonValueKind.Null, reliability.GetProperty("meanReached").ValueKind);
        Assert.Equal(JsonValueKind.Null, reliability.GetProperty("atomic").ValueKind);
        Assert.Equal(JsonValueKind.Null, reliability.GetProperty("fullMembershipGossip").GetProperty("meanReached").ValueKind);
        (_, string table, _) = SimulatorTests.Cli("simulate", "--nodes", "30", "--trials", "0");
        Assert.Contains("not measured (--trials 0)", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Latencies_longer_than_the_quiet_gap_still_settle_the_build_and_the_broadcasts()
    {
        // 100 s per hop: the minute without activity that ends a settle used to pass while messages were still in
        // flight, leaving a half-built overlay (PartialView ≠ InView, not strongly connected) reported as the result.
        SimulationResult r = ScampSimulation.Run(new SimulationParameters { Nodes = 60, Seed = 1, Trials = 2, MinLatency = 100_000, MaxLatency = 100_000 });
        Assert.Equal(r.PartialView.Mean, r.InView.Mean);
        Assert.True(r.StronglyConnected);
        Assert.Equal(1.0, r.MeanReached);
        Assert.Equal(1.0, r.Atomic);
    }

    [Fact]
    public void The_timeline_samples_its_end_when_the_duration_is_not_a_multiple_of_the_interval()
    {
        SimulationResult r = ScampSimulation.Run(new SimulationParameters
        {
            Nodes = 40, Seed = 2, Trials = 0, JoinInterval = 1000, Churn = 1, TimelineDuration = 25_000, SampleInterval = 10_000,
        });
        Assert.Equal(new long[] { 0, 10_000, 20_000, 25_000 }, r.Timeline.Select(s => s.Time));
        Assert.Equal(40, r.Timeline[^1].Live);
    }

    [Theory]
    [InlineData(5_000, 0, 600_000, 5_000, 50)] // a lease below 10 s
    [InlineData(0, 1.0, 0, 5_000, 50)] // churn without a timeline
    [InlineData(60_000, 0, 600_000, 20, 50)] // a heartbeat shorter than a hop
    [InlineData(20_000, 0, 600_000, 5_000, 500)] // a lease below 200 hops
    public void Parameters_that_cannot_mean_anything_are_refused(long lease, double churn, long duration, long heartbeat, long maxLatency)
    {
        var p = new SimulationParameters { Lease = lease, Churn = churn, TimelineDuration = duration, TimelineHeartbeat = heartbeat, MaxLatency = maxLatency };
        Assert.Throws<ArgumentOutOfRangeException>(p.Validate);
    }

    /// <summary>A writer on a full device: every write fails as it would on /dev/full.</summary>
    private sealed class FullDisk : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => throw new IOException("No space left on device");

        public override void Write(string? value) => throw new IOException("No space left on device");

        public override void WriteLine(string? value) => throw new IOException("No space left on device");
    }
}
