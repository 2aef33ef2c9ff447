using RtcScamp.Cli.Commands;

namespace RtcScamp.Cli;

/// <summary>
/// The command dispatcher: finds the longest registered command path that prefixes the arguments
/// and runs it. Exit codes: 0 success, 1 runtime error (bad input data, failed operation),
/// 2 usage error (unknown command, bad option). A command is one <see cref="CliCommand"/> in
/// <see cref="Commands"/>; new commands (simulate, node, echo) are new files plus one line here.
/// </summary>
internal static class CliApp
{
    public const int Ok = 0;
    public const int RuntimeError = 1;
    public const int UsageError = 2;

    /// <summary>Every command, in the order help lists them.</summary>
    public static IReadOnlyList<CliCommand> Commands { get; } =
    [
        SignalCommands.Demo,
        SignalCommands.Decode,
        SdpCommands.Expand,
        SdpCommands.Compact,
        SimulateCommand.Command,
        EchoCommand.Echo,
    ];

    /// <summary>Runs the tool in-process: arguments in, text out, exit code back.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            WriteUsage(stderr, null);
            return UsageError;
        }

        if (args[0] is "help" or "--help" or "-h")
        {
            string? topic = args.Length > 1 ? args[1] : null;
            WriteUsage(stdout, topic);
            return Ok;
        }

        CliCommand? command = null;
        foreach (CliCommand c in Commands)
        {
            if (args.Length >= c.Path.Count && c.Path.SequenceEqual(args.Take(c.Path.Count), StringComparer.Ordinal)
                && (command is null || c.Path.Count > command.Path.Count))
            {
                command = c;
            }
        }

        if (command is null)
        {
            bool group = Commands.Any(c => c.Path[0] == args[0]);
            if (group && (args.Length == 1 || args[1] is "--help" or "-h"))
            {
                WriteUsage(args.Length == 1 ? stderr : stdout, args[0]);
                return args.Length == 1 ? UsageError : Ok;
            }

            stderr.WriteLine(group
                ? $"rtcscamp: unknown command '{string.Join(' ', args.Take(2))}'"
                : $"rtcscamp: unknown command '{args[0]}'");
            WriteUsage(stderr, group ? args[0] : null);
            return UsageError;
        }

        string[] rest = args[command.Path.Count..];
        if (rest.Any(a => a is "--help" or "-h"))
        {
            WriteCommandUsage(stdout, command);
            return Ok;
        }

        var context = new CliContext(rest, stdin, stdout, stderr);
        try
        {
            return command.Run(context);
        }
        catch (CliUsageException e)
        {
            TryWrite(() =>
            {
                stderr.WriteLine($"rtcscamp {command.Name}: {e.Message}");
                WriteCommandUsage(stderr, command);
            });
            return UsageError;
        }
        catch (CliFailure e)
        {
            TryWrite(() => stderr.WriteLine($"rtcscamp {command.Name}: {e.Message}"));
            return RuntimeError;
        }
        catch (IOException e)
        {
            // E.g. output that cannot be written (a full disk): one line if stderr still works, never a trace.
            TryWrite(() => stderr.WriteLine($"rtcscamp {command.Name}: {e.Message}"));
            return RuntimeError;
        }
    }

    /// <summary>Writes an error report to stderr if stderr still works.</summary>
    private static void TryWrite(Action write)
    {
        try
        {
            write();
        }
        catch (IOException)
        {
            // Nowhere left to report it; the exit code still says it failed.
        }
    }

    private static void WriteUsage(TextWriter w, string? group)
    {
        w.WriteLine("rtcscamp - SCAMP gossip membership over WebRTC data channels and TCP");
        w.WriteLine();
        w.WriteLine("usage: rtcscamp <command> [arguments]");
        w.WriteLine();
        w.WriteLine("commands:");
        foreach (CliCommand c in Commands.Where(c => group is null || c.Path[0] == group))
        {
            // A usage too long for the column gets its summary on the next line, aligned.
            w.WriteLine(c.Usage.Length <= 36 ? $"  {c.Usage,-36} {c.Summary}" : $"  {c.Usage}\n  {string.Empty,-36} {c.Summary}");
        }

        w.WriteLine();
        w.WriteLine("  rtcscamp help                        this text (also --help; '<command> --help' for one command)");
        w.WriteLine();
        w.WriteLine("exit codes: 0 ok, 1 error (bad string or SDP, failed operation), 2 usage error");
    }

    private static void WriteCommandUsage(TextWriter w, CliCommand command)
    {
        w.WriteLine($"usage: {command.Usage}");
        w.WriteLine();
        w.WriteLine(command.Help);
    }
}

/// <summary>One command: its words (e.g. <c>signal demo</c>), usage line, help text and body.</summary>
internal sealed record CliCommand(IReadOnlyList<string> Path, string Usage, string Summary, string Help, Func<CliContext, int> Run)
{
    /// <summary>The command's words joined by spaces.</summary>
    public string Name => string.Join(' ', Path);
}

/// <summary>What a command runs with: the arguments after its name and the three streams.</summary>
internal sealed class CliContext(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public IReadOnlyList<string> Args { get; } = args;

    public TextReader In { get; } = stdin;

    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Reads stdin up to <paramref name="maxChars"/>; returns null if there is more.</summary>
    public string? ReadAllInput(int maxChars)
    {
        var buffer = new char[maxChars + 1];
        int total = 0;
        int n;
        while (total < buffer.Length && (n = In.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += n;
        }

        return total > maxChars ? null : new string(buffer, 0, total);
    }
}

/// <summary>Thrown by a command for a usage error (bad option, missing argument): exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>Thrown by a command when its input data is bad or the operation fails: exit code 1.</summary>
internal sealed class CliFailure(string message) : Exception(message);
