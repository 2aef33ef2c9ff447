using System.Globalization;

namespace RtcScamp.Cli.Commands;

/// <summary>Small option parsing shared by commands: positional arguments and <c>--name value</c> options.</summary>
internal static class CliArguments
{
    /// <summary>Splits arguments into positionals and the value of each allowed option (<c>--x v</c> or <c>--x=v</c>).</summary>
    public static (List<string> Positionals, Dictionary<string, string> Options) Parse(IReadOnlyList<string> args, params string[] allowedOptions)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                int eq = a.IndexOf('=', StringComparison.Ordinal);
                string name = eq < 0 ? a[2..] : a[2..eq];
                if (!allowedOptions.Contains(name, StringComparer.Ordinal))
                {
                    throw new CliUsageException($"unknown option '--{name}'");
                }

                string? value = eq >= 0 ? a[(eq + 1)..] : i + 1 < args.Count ? args[++i] : null;
                if (!options.TryAdd(name, value ?? throw new CliUsageException($"option '--{name}' needs a value")))
                {
                    // Last-wins would silently drop a value the user typed; say so instead.
                    throw new CliUsageException($"option '--{name}' given twice");
                }
            }
            else
            {
                positionals.Add(a);
            }
        }

        return (positionals, options);
    }

    /// <summary>
    /// Removes a flag (an option without a value) from <paramref name="args"/>; true if it was there. A flag given twice
    /// is a usage error, like a valued option given twice.
    /// </summary>
    public static bool TakeFlag(List<string> args, string flag)
    {
        bool present = args.Remove(flag);
        return present && args.Contains(flag, StringComparer.Ordinal) ? throw new CliUsageException($"option '{flag}' given twice") : present;
    }

    /// <summary>Parses an integer option value.</summary>
    public static long ParseInt64(string name, string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new CliUsageException($"option '--{name}' needs an integer, got '{value}'");

    /// <summary>Exactly one positional argument (or '-' for stdin) named <paramref name="what"/>.</summary>
    public static string SingleText(CliContext context, string what, int maxChars)
    {
        (List<string> positionals, _) = Parse(context.Args);
        if (positionals.Count != 1)
        {
            throw new CliUsageException(positionals.Count == 0 ? $"missing {what}" : $"expected one {what}, got {positionals.Count} arguments");
        }

        if (positionals[0] != "-")
        {
            return positionals[0];
        }

        return context.ReadAllInput(maxChars) ?? throw new CliFailure($"stdin holds more than {maxChars} characters");
    }
}
