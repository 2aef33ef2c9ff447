using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RtcScamp.Engine.Simulation;
using ScottPlot;
using Spectre.Console;

namespace RtcScamp.Cli.Commands;

/// <summary>
/// <c>rtcscamp simulate</c>: builds a SCAMP overlay of real engine nodes in the deterministic simulator
/// (<see cref="ScampSimulation"/>), prints view sizes against theory and broadcast reliability after crashes.
/// </summary>
internal static class SimulateCommand
{
    private static readonly string[] s_options =
        ["nodes", "c", "seed", "fail", "trials", "latency", "loss", "join-interval", "lease", "churn", "duration", "heartbeat", "sample", "partition", "walk-budget", "first-contact", "huge-pages", "png", "out"];

    public static CliCommand Command { get; } = new(
        ["simulate"],
        "rtcscamp simulate [--nodes N] [--c C] [--seed S] [--fail F] [--trials T] [--json] [options]",
        "build a SCAMP overlay in the deterministic simulator, print view sizes and broadcast reliability",
        """
        Builds an overlay of N real ScampNodes (one join every --join-interval ms of simulated time, each
        through a random earlier node), then crashes a fraction F of them (no recovery) and sends T
        broadcasts from random live origins. Same seed, same numbers.
          --nodes N           nodes (default 10000; refused at once if the run's estimated peak
                              memory, ~3 KB per node at c = 1, exceeds what this process may use)
          --c C               SCAMP's c (default 1)
          --seed S            seed (default 1)
          --fail F            fraction of nodes crashed before the broadcasts, in [0,1) (default 0;
                              at most n - 2 crash, see "crashed" in the output)
          --trials T          broadcasts (default 10; 0: none, and the reach fields are null)
          --latency MIN:MAX   per-link one-way latency in ms (default 5:50; latencies long against
                              --join-interval make joins overlap, which gives smaller views)
          --loss P            message loss probability during the broadcasts (default 0)
          --join-interval MS  simulated time between joins (default 10000: one join settles first)
          --walk-budget B     budget of the indirection walk (default 1, ScampOptions.WalkBudget)
          --first-contact K   random (default: a uniformly random earlier node) or newest
                              (the node that joined just before: a biased start for the walk)
          --lease MS          timeline: lease period (default 0 = off; else at least 10 s and 200
                              times the largest latency)
          --churn R           timeline: graceful leaves (each replaced by a join) per simulated second
          --partition F:AT:LEN  timeline: at AT ms cut a random fraction F of the live nodes off from
                              the rest for LEN ms (nothing crosses; nodes notice only by liveness
                              timeouts), then report arcs across and broadcast reach from each side
          --duration MS       timeline: build a second overlay with heartbeats (joins at most 1 s
                              apart), run it for MS and sample views (default 0 = no timeline; with
                              --lease, --churn or --partition default 10 lease periods or 600000,
                              at least until 120000 after the partition heals)
          --heartbeat MS      timeline heartbeat period (default 5000; at least the largest latency)
          --sample MS         timeline sample interval (default 10000; the end is sampled too)
          --huge-pages M      on, off or auto (default: on from 200000 nodes, on Linux >= 6.1):
                              back the heap with 2 MiB pages as the overlay grows (speed only;
                              a 10^6 run takes ~10 % less time)
          --json              print one JSON object on stdout (progress on stderr)
          --deterministic     with --json: leave out elapsedSeconds and peakMemoryBytes
          --png FILE          write PartialView/InView size distributions against theory as a PNG
          --out FILE          also write the JSON object to FILE
        Each option at most once. Exit code 2 for an invalid option (checked before the run, output
        paths included); 1 if an output cannot be written (the others still are: with --json the JSON
        on stdout survives a failed --out or --png).
        """,
        Run);

    private static int Run(CliContext context)
    {
        var args = context.Args.ToList();
        bool json = CliArguments.TakeFlag(args, "--json");
        bool deterministic = CliArguments.TakeFlag(args, "--deterministic");
        (List<string> positionals, Dictionary<string, string> options) = CliArguments.Parse(args, s_options);
        if (positionals.Count > 0)
        {
            throw new CliUsageException($"unexpected argument '{positionals[0]}'");
        }

        SimulationParameters parameters = ParseParameters(options);
        CheckMemory(parameters);
        bool hugePages = options.GetValueOrDefault("huge-pages", "auto") switch
        {
            "on" => true,
            "off" => false,
            "auto" => parameters.Nodes >= HugePagesFrom,
            string other => throw new CliUsageException($"option '--huge-pages' needs on, off or auto, got '{other}'"),
        };
        string? png = OutputPath(options, "png");
        string? outFile = OutputPath(options, "out");
        if (png is not null && outFile is not null && Path.GetFullPath(png) == Path.GetFullPath(outFile))
        {
            throw new CliUsageException($"options '--png' and '--out' name the same file '{png}'");
        }

        var stopwatch = Stopwatch.StartNew();
        SimulationResult result;
        bool interactive = !json && !Console.IsErrorRedirected && ReferenceEquals(context.Error, Console.Error);
        if (interactive)
        {
            result = RunWithProgressBar(parameters, hugePages);
        }
        else
        {
            ScampSimulation.ProgressHandler progress = TextProgress(context.Error);
            result = ScampSimulation.Run(parameters, hugePages ? HugePages.During(progress) : progress);
        }

        double elapsed = stopwatch.Elapsed.TotalSeconds;
        long peak = PeakMemoryBytes();
        string text = ToJson(result, deterministic ? null : elapsed, deterministic ? null : peak);
        // Standard output and each file are written whatever happened to the others: one that cannot be written (a
        // full disk) must not lose a long run's numbers from the rest.
        var failures = new List<string>();
        try
        {
            if (json)
            {
                context.Out.WriteLine(text);
            }
            else
            {
                WriteTable(context.Out, result, elapsed, peak);
            }

            context.Out.Flush();
        }
        catch (IOException e)
        {
            failures.Add($"cannot write standard output: {e.Message}");
        }

        if (outFile is not null)
        {
            TryWrite(outFile, failures, path => File.WriteAllText(path, text + "\n"));
        }

        if (png is not null)
        {
            TryWrite(png, failures, path => WritePng(result, path));
        }

        return failures.Count == 0 ? CliApp.Ok : throw new CliFailure(string.Join("; ", failures));
    }

    /// <summary>
    /// The value of an output-file option, checked before the run (which may take minutes): not empty, not a
    /// directory, in a directory that exists.
    /// </summary>
    private static string? OutputPath(Dictionary<string, string> options, string name)
    {
        if (!options.TryGetValue(name, out string? path))
        {
            return null;
        }

        if (path.Trim().Length == 0)
        {
            throw new CliUsageException($"option '--{name}' needs a file name");
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliUsageException($"option '--{name}': '{path}' is not a valid path ({e.Message})");
        }

        if (Directory.Exists(full))
        {
            throw new CliUsageException($"option '--{name}': '{path}' is a directory");
        }

        string? directory = Path.GetDirectoryName(full);
        return directory is null || Directory.Exists(directory)
            ? path
            : throw new CliUsageException($"option '--{name}': directory '{directory}' does not exist");
    }

    private static void TryWrite(string path, List<string> failures, Action<string> write)
    {
        try
        {
            write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"cannot write '{path}': {e.Message}");
        }
    }

    /// <summary>
    /// A run this process cannot hold is refused at once rather than killed for lack of memory after hours of work
    /// (the estimate errs high, so a run that fits is not refused for it being an estimate).
    /// </summary>
    private static void CheckMemory(SimulationParameters p)
    {
        // Churn adds a node per leave to the timeline's overlay (nodes that left keep their slot).
        double timelineNodes = p.TimelineDuration > 0 ? p.Nodes + (p.Churn * p.TimelineDuration / 1000.0) : 0;
        if (timelineNodes > 20_000_000)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--churn {p.Churn} for {p.TimelineDuration} ms would add {timelineNodes - p.Nodes:F0} nodes to the timeline's overlay, more than the 20000000 a run may hold"));
        }

        long need = ScampSimulation.EstimatePeakBytes(Math.Max(p.Nodes, (int)timelineNodes), p.C);
        long have = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (need > have)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--nodes {p.Nodes} with --c {p.C} needs about {need / 1073741824.0:F1} GiB, more than the {have / 1073741824.0:F1} GiB this process may use"));
        }
    }

    /// <summary>Below this many nodes the heap mostly fits the caches and huge pages measured no gain (10⁵: none).</summary>
    internal const int HugePagesFrom = 200_000;

    private static SimulationParameters ParseParameters(Dictionary<string, string> o)
    {
        var p = new SimulationParameters();
        if (o.TryGetValue("nodes", out string? v))
        {
            p = p with { Nodes = (int)Range("nodes", v, 2, 20_000_000) };
        }

        if (o.TryGetValue("c", out v))
        {
            p = p with { C = (int)Range("c", v, 0, 100) };
        }

        if (o.TryGetValue("seed", out v))
        {
            p = p with { Seed = ulong.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ulong s) ? s : throw new CliUsageException($"option '--seed' needs an integer in [0, {ulong.MaxValue}], got '{v}'") };
        }

        if (o.TryGetValue("fail", out v))
        {
            p = p with { FailFraction = Fraction("fail", v) };
        }

        if (o.TryGetValue("trials", out v))
        {
            p = p with { Trials = (int)Range("trials", v, 0, 100_000) };
        }

        if (o.TryGetValue("latency", out v))
        {
            string[] parts = v.Split(':');
            if (parts.Length != 2)
            {
                throw new CliUsageException($"option '--latency' needs MIN:MAX in ms, got '{v}'");
            }

            long min = Range("latency", parts[0], 1, 1_000_000);
            long max = Range("latency", parts[1], min, 1_000_000);
            p = p with { MinLatency = min, MaxLatency = max };
        }

        if (o.TryGetValue("loss", out v))
        {
            p = p with { Loss = Fraction("loss", v) };
        }

        if (o.TryGetValue("join-interval", out v))
        {
            p = p with { JoinInterval = Range("join-interval", v, 0, 1_000_000) };
        }

        if (o.TryGetValue("walk-budget", out v))
        {
            double budget = double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double b) && b > 0 && b <= 1000
                ? b
                : throw new CliUsageException($"option '--walk-budget' needs a number in (0, 1000], got '{v}'");
            p = p with { WalkBudget = budget };
        }

        if (o.TryGetValue("first-contact", out v))
        {
            p = v switch
            {
                "random" => p with { NewestFirstContact = false },
                "newest" => p with { NewestFirstContact = true },
                _ => throw new CliUsageException($"option '--first-contact' needs random or newest, got '{v}'"),
            };
        }

        if (o.TryGetValue("lease", out v))
        {
            p = p with { Lease = Range("lease", v, 0, SimulationParameters.MaxTime / 10) };
        }

        if (o.TryGetValue("churn", out v))
        {
            double churn = double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= 0 && d <= 1000
                ? d
                : throw new CliUsageException($"option '--churn' needs a rate in [0, 1000] per second, got '{v}'");
            p = p with { Churn = churn };
        }

        if (o.TryGetValue("heartbeat", out v))
        {
            p = p with { TimelineHeartbeat = Range("heartbeat", v, 2, 10_000_000) };
        }

        if (o.TryGetValue("sample", out v))
        {
            p = p with { SampleInterval = Range("sample", v, 1, SimulationParameters.MaxTime) };
        }

        if (o.TryGetValue("partition", out v))
        {
            string[] parts = v.Split(':');
            double fraction = parts.Length == 3 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && f > 0 && f < 1
                ? f
                : throw new CliUsageException($"option '--partition' needs F:AT:LEN (a fraction in (0, 1), then ms), got '{v}'");
            p = p with
            {
                PartitionFraction = fraction,
                PartitionStart = Range("partition", parts[1], 0, SimulationParameters.MaxTime),
                PartitionLength = Range("partition", parts[2], 1, SimulationParameters.MaxTime),
            };
        }

        if (o.TryGetValue("duration", out v))
        {
            p = p with { TimelineDuration = Range("duration", v, 0, SimulationParameters.MaxTime) };
            if (p.PartitionFraction > 0 && p.PartitionStart > p.TimelineDuration - p.PartitionLength)
            {
                throw new CliUsageException($"option '--partition' must heal within --duration ({p.TimelineDuration} ms), but heals at {p.PartitionStart + p.PartitionLength} ms");
            }
        }
        else if (p.Lease > 0 || p.Churn > 0 || p.PartitionFraction > 0)
        {
            long duration = p.Lease > 0 ? 10 * p.Lease : 600_000;
            if (p.PartitionFraction > 0)
            {
                duration = Math.Max(duration, p.PartitionStart + p.PartitionLength + 120_000);
            }

            p = p with { TimelineDuration = duration };
        }

        CheckTimeline(p, o);
        try
        {
            p.Validate(); // what the checks above do not word for the command line (e.g. sums past the largest time)
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }

        return p;
    }

    /// <summary>Timeline options that would be ignored, or that give a run which cannot mean anything, are usage errors.</summary>
    private static void CheckTimeline(SimulationParameters p, Dictionary<string, string> o)
    {
        if (p.TimelineDuration == 0)
        {
            foreach (string name in (string[])["lease", "churn", "heartbeat", "sample"])
            {
                // A lease or churn of 0 asks for nothing; any other value, or any heartbeat or sample, would be ignored.
                bool ignored = name switch { "lease" => p.Lease > 0, "churn" => p.Churn > 0, _ => true };
                if (ignored && o.ContainsKey(name))
                {
                    throw new CliUsageException(o.ContainsKey("duration")
                        ? $"option '--{name}' applies to the timeline, which --duration 0 turns off"
                        : $"option '--{name}' applies to the timeline, which runs only with --duration, --lease, --churn or --partition");
                }
            }

            return;
        }

        if (p.Lease > 0 && p.Lease < p.MinimumLease)
        {
            throw new CliUsageException($"option '--lease' must be 0 or at least {p.MinimumLease} ms (10 s and 200 times the largest latency: a resubscription must settle well within a lease), got {p.Lease}");
        }

        if (p.TimelineHeartbeat < p.MaxLatency)
        {
            throw new CliUsageException($"option '--heartbeat' must be at least the largest latency ({p.MaxLatency} ms; the liveness timeout, a few periods, must hold a round trip with room to spare), got {p.TimelineHeartbeat}");
        }
    }

    private static long Range(string name, string value, long min, long max) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max
            ? v
            : throw new CliUsageException($"option '--{name}' needs an integer in [{min}, {max}], got '{value}'");

    private static double Fraction(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= 0 && d < 1
            ? d
            : throw new CliUsageException($"option '--{name}' needs a fraction in [0, 1), got '{value}'");

    private static ScampSimulation.ProgressHandler TextProgress(TextWriter error)
    {
        string lastPhase = "";
        long lastPercent = -1;
        bool broken = false;
        return (phase, done, total) =>
        {
            long percent = total == 0 ? 100 : done * 100 / total;
            if (!broken && (phase != lastPhase || percent / 10 != lastPercent / 10))
            {
                try
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{phase}: {percent}% ({done}/{total}), managed heap {GC.GetTotalMemory(false) / 1048576.0:F0} MiB, peak RSS {PeakMemoryBytes() / 1048576.0:F0} MiB"));
                }
                catch (IOException)
                {
                    broken = true; // progress is a courtesy: a full or closed stderr must not stop the run
                }

                lastPhase = phase;
                lastPercent = percent;
            }
        };
    }

    private static SimulationResult RunWithProgressBar(SimulationParameters parameters, bool hugePages)
    {
        SimulationResult? result = null;
        AnsiConsole.Console.Profile.Out = new AnsiConsoleOutput(Console.Error);
        AnsiConsole.Progress().Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
            ScampSimulation.ProgressHandler progress = (phase, done, total) =>
            {
                if (!tasks.TryGetValue(phase, out ProgressTask? task))
                {
                    task = ctx.AddTask(phase, maxValue: Math.Max(1, total));
                    tasks[phase] = task;
                }

                task.Value = done;
            };
            result = ScampSimulation.Run(parameters, hugePages ? HugePages.During(progress) : progress);
            foreach (ProgressTask task in tasks.Values)
            {
                task.Value = task.MaxValue;
            }
        });
        return result!;
    }

    /// <summary>Peak resident set size of this process (VmHWM), or the GC's peak working set where /proc is absent.</summary>
    internal static long PeakMemoryBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            foreach (string line in File.ReadLines(status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    string kb = line[6..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>The run as one JSON object; timing and memory left out when null.</summary>
    internal static string ToJson(SimulationResult r, double? elapsedSeconds, long? peakMemoryBytes)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            SimulationParameters p = r.Parameters;
            w.WriteStartObject();
            w.WriteNumber("nodes", p.Nodes);
            w.WriteNumber("c", p.C);
            w.WriteNumber("seed", p.Seed);
            w.WriteNumber("joinInterval", p.JoinInterval);
            w.WriteString("latency", $"{p.MinLatency}:{p.MaxLatency}");
            w.WriteNumber("loss", p.Loss);
            w.WriteNumber("walkBudget", p.WalkBudget);
            w.WriteString("firstContact", p.NewestFirstContact ? "newest" : "random");
            Stats(w, "partialView", r.PartialView);
            Stats(w, "inView", r.InView);
            w.WriteStartObject("theory");
            w.WriteNumber("lnN", Round(r.TheoryLn));
            w.WriteNumber("harmonic", Round(r.TheoryHarmonic));
            w.WriteEndObject();
            w.WriteNumber("partialViewVsHarmonic", Round((r.PartialView.Mean / r.TheoryHarmonic) - 1));
            w.WriteNumber("lostSubscriptions", r.LostSubscriptions);
            w.WriteNumber("lostNoView", r.LostNoView);
            w.WriteNumber("subscriptionsKept", r.SubscriptionsKept);
            w.WriteBoolean("stronglyConnected", r.StronglyConnected);
            w.WriteNumber("walkSteps", r.WalkSteps);
            w.WriteNumber("copiesForwarded", r.CopiesForwarded);
            w.WriteNumber("contactViewRatio", Round(r.ContactViewRatio));
            w.WriteNumber("contactDispersion", Round(r.ContactDispersion));
            w.WriteStartObject("reliability");
            w.WriteNumber("failFraction", p.FailFraction);
            w.WriteNumber("crashed", r.Crashed);
            w.WriteNumber("cutOff", r.CutOff);
            w.WriteNumber("trials", p.Trials);
            // With no trials nothing was measured: null, not a reach of 0.
            NumberOrNull(w, "meanReached", r.MeanReached);
            NumberOrNull(w, "atomic", r.Atomic);
            w.WriteStartObject("fullMembershipGossip");
            w.WriteNumber("fanout", Round(r.GossipFanout));
            NumberOrNull(w, "meanReached", r.GossipMeanReached);
            NumberOrNull(w, "atomic", r.GossipAtomic);
            w.WriteEndObject();
            w.WriteEndObject();
            if (r.Timeline.Count > 0)
            {
                w.WriteStartObject("timeline");
                w.WriteNumber("lease", p.Lease);
                w.WriteNumber("churn", p.Churn);
                w.WriteNumber("heartbeat", p.TimelineHeartbeat);
                w.WriteStartArray("samples");
                foreach (TimelineSample s in r.Timeline)
                {
                    w.WriteStartObject();
                    w.WriteNumber("time", s.Time);
                    w.WriteNumber("live", s.Live);
                    w.WriteNumber("meanPartialView", Round(s.MeanPartialView));
                    w.WriteNumber("meanInView", Round(s.MeanInView));
                    w.WriteNumber("emptyInViews", s.EmptyInViews);
                    w.WriteNumber("leaseResubscriptions", s.LeaseResubscriptions);
                    w.WriteNumber("isolationResubscriptions", s.IsolationResubscriptions);
                    if (r.Partition is not null)
                    {
                        w.WriteNumber("crossArcs", s.CrossArcs);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (r.Partition is PartitionOutcome cut)
                {
                    w.WriteStartObject("partition");
                    w.WriteNumber("fraction", p.PartitionFraction);
                    w.WriteNumber("at", p.PartitionStart);
                    w.WriteNumber("length", p.PartitionLength);
                    w.WriteNumber("cut", cut.Cut);
                    w.WriteNumber("crossArcsBefore", cut.CrossArcsBefore);
                    w.WriteNumber("lost", cut.Lost);
                    w.WriteNumber("reachedFromCut", Round(cut.ReachedFromCut));
                    w.WriteNumber("reachedFromRest", Round(cut.ReachedFromRest));
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteNumber("buildSimulatedMs", r.BuildSimulatedTime);
            w.WriteNumber("buildEvents", r.BuildEvents);
            w.WriteNumber("events", r.Events);
            w.WriteNumber("peakPendingEvents", r.PeakPendingEvents);
            if (elapsedSeconds is double e)
            {
                w.WriteNumber("elapsedSeconds", Math.Round(e, 3));
            }

            if (peakMemoryBytes is long m)
            {
                w.WriteNumber("peakMemoryBytes", m);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Stats(Utf8JsonWriter w, string name, ViewStatistics s)
    {
        w.WriteStartObject(name);
        w.WriteNumber("mean", Round(s.Mean));
        w.WriteNumber("sd", Round(s.StandardDeviation));
        w.WriteNumber("min", s.Min);
        w.WriteNumber("max", s.Max);
        w.WriteEndObject();
    }

    private static double Round(double v) => Math.Round(v, 6);

    private static void NumberOrNull(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsNaN(v))
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Round(v));
        }
    }

    private static void WriteTable(TextWriter output, SimulationResult r, double elapsed, long peak)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        SimulationParameters p = r.Parameters;
        var table = new Table().Title($"SCAMP overlay: n = {p.Nodes:N0}, c = {p.C}, seed = {p.Seed}");
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("value").RightAligned());
        string Row(ViewStatistics s) => string.Create(CultureInfo.InvariantCulture, $"{s.Mean:F2} ± {s.StandardDeviation:F2} [{s.Min}, {s.Max}]");
        AddRow(table, "PartialView mean ± sd [min, max]", Row(r.PartialView));
        AddRow(table, "InView mean ± sd [min, max]", Row(r.InView));
        AddRow(table, "theory (c+1)(H_n − 1)", r.TheoryHarmonic.ToString("F2", CultureInfo.InvariantCulture));
        AddRow(table, "theory (c+1)·ln n", r.TheoryLn.ToString("F2", CultureInfo.InvariantCulture));
        AddRow(table, "PartialView vs (c+1)(H_n − 1)", ((r.PartialView.Mean / r.TheoryHarmonic) - 1).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture));
        AddRow(table, "subscriptions kept / lost to guards", $"{r.SubscriptionsKept:N0} / {r.LostSubscriptions:N0}");
        AddRow(table, "strongly connected", r.StronglyConnected ? "yes" : "no");
        string Reach(double mean, double atomic) => p.Trials == 0
            ? "not measured (--trials 0)"
            : string.Create(CultureInfo.InvariantCulture, $"mean {mean:P2}, all reached in {atomic:P0}");
        AddRow(table, $"broadcast reach, {r.Crashed:N0} crashed, {p.Trials} trials", Reach(r.MeanReached, r.Atomic));
        AddRow(table, "live nodes whose whole InView crashed", r.CutOff.ToString(CultureInfo.InvariantCulture));
        AddRow(table, $"full-membership gossip, fanout {r.GossipFanout:F2}", Reach(r.GossipMeanReached, r.GossipAtomic));
        foreach (TimelineSample s in r.Timeline)
        {
            AddRow(table, $"t = {s.Time / 1000} s: live / PV / IV / empty IV" + (r.Partition is null ? "" : " / across"),
                string.Create(CultureInfo.InvariantCulture, $"{s.Live} / {s.MeanPartialView:F2} / {s.MeanInView:F2} / {s.EmptyInViews}")
                + (r.Partition is null ? "" : string.Create(CultureInfo.InvariantCulture, $" / {s.CrossArcs}")));
        }

        if (r.Partition is PartitionOutcome cut)
        {
            AddRow(table, string.Create(CultureInfo.InvariantCulture, $"partition at {p.PartitionStart / 1000.0:0.###} s for {p.PartitionLength / 1000.0:0.###} s"),
                string.Create(CultureInfo.InvariantCulture, $"{cut.Cut} nodes cut off, {cut.CrossArcsBefore} arcs across"));
            AddRow(table, "messages lost to the partition", cut.Lost.ToString("N0", CultureInfo.InvariantCulture));
            AddRow(table, "reach after it: from cut / rest",
                string.Create(CultureInfo.InvariantCulture, $"{cut.ReachedFromCut:P2} / {cut.ReachedFromRest:P2}"));
        }

        AddRow(table, "events (build / total)", $"{r.BuildEvents:N0} / {r.Events:N0}");
        AddRow(table, "elapsed", string.Create(CultureInfo.InvariantCulture, $"{elapsed:F2} s"));
        AddRow(table, "peak memory (VmHWM)", string.Create(CultureInfo.InvariantCulture, $"{peak / 1048576.0:F0} MiB"));
        console.Write(table);
    }

    private static void AddRow(Table table, string measure, string value) => table.AddRow(new Text(measure), new Text(value));

    /// <summary>PartialView and InView size distributions with the two theory values as vertical lines.</summary>
    internal static void WritePng(SimulationResult r, string path)
    {
        var plot = new Plot();
        void Add(ViewStatistics s, string label)
        {
            long total = s.Histogram.Sum();
            double[] xs = Enumerable.Range(0, s.Histogram.Length).Select(i => (double)i).ToArray();
            double[] ys = s.Histogram.Select(h => total == 0 ? 0 : (double)h / total).ToArray();
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = label;
        }

        Add(r.PartialView, string.Create(CultureInfo.InvariantCulture, $"PartialView (mean {r.PartialView.Mean:F2})"));
        Add(r.InView, string.Create(CultureInfo.InvariantCulture, $"InView (mean {r.InView.Mean:F2})"));
        var harmonic = plot.Add.VerticalLine(r.TheoryHarmonic);
        harmonic.LegendText = string.Create(CultureInfo.InvariantCulture, $"(c+1)(H_n - 1) = {r.TheoryHarmonic:F2}");
        harmonic.LinePattern = LinePattern.Dashed;
        var ln = plot.Add.VerticalLine(r.TheoryLn);
        ln.LegendText = string.Create(CultureInfo.InvariantCulture, $"(c+1) ln n = {r.TheoryLn:F2}");
        ln.LinePattern = LinePattern.Dotted;
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"SCAMP view sizes, n = {r.Parameters.Nodes}, c = {r.Parameters.C}, seed = {r.Parameters.Seed}"));
        plot.XLabel("view size");
        plot.YLabel("fraction of nodes");
        plot.ShowLegend();
        plot.SavePng(path, 900, 540);
    }
}
