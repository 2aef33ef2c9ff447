using Xunit;

namespace RtcScamp.Interop;

/// <summary>
/// What the browser tests need: Linux, root (to create a network namespace and a veth pair), the
/// <c>ip</c> tool and Debian's /usr/bin/chromium (installed by .ci/install). Without them a test skips
/// with the reason — except under CI (<c>CI=true</c>), where a missing requirement fails the test, so CI
/// can never silently skip the browser interop.
/// </summary>
internal static class InteropRequirements
{
    public const string Chromium = "/usr/bin/chromium";

    private static readonly string[] s_ipPaths = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the browser tests cannot run here, or null if they can.</summary>
    public static string? MissingReason()
    {
        var missing = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (network namespaces)";
        }

        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            missing.Add("root (to create a network namespace and a veth pair)");
        }

        if (!s_ipPaths.Any(File.Exists))
        {
            missing.Add("the `ip` tool (apt-get install iproute2)");
        }

        if (!File.Exists(Chromium))
        {
            missing.Add($"{Chromium} (apt-get install chromium; .ci/install does it)");
        }

        return missing.Count == 0 ? null : "needs " + string.Join(", ", missing);
    }

    /// <summary>Skips the calling test (fails it under CI=true) if a requirement is missing.</summary>
    public static void Require(string? reason)
    {
        if (reason is null)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail("CI=true: browser interop tests must not be skipped, but this machine " + reason);
        }

        Assert.Skip(reason);
    }
}
