using RtcScamp.Cli;
using Xunit;

namespace RtcScamp.Tests.Cli;

/// <summary>The huge-page hint of <c>rtcscamp simulate</c>: never an error, and invisible to the progress it wraps.</summary>
public class HugePagesTests
{
    [Fact]
    public void Collapse_is_only_a_hint()
    {
        // Whatever this kernel supports, asking returns a size (0 where unsupported) and does not throw.
        var touched = new byte[8 << 20];
        Array.Fill(touched, (byte)1);
        long collapsed = HugePages.Collapse();
        Assert.True(collapsed >= 0 && collapsed % (2 * 1024 * 1024) == 0);
        Assert.Equal(1, touched[^1]);
    }

    [Fact]
    public void The_wrapped_progress_sees_every_report_unchanged()
    {
        var seen = new List<(string, long, long)>();
        var progress = HugePages.During((phase, done, total) => seen.Add((phase, done, total)));
        var sent = new List<(string, long, long)>();
        foreach (string phase in new[] { "build", "connectivity", "broadcast" })
        {
            for (long done = 0; done <= 40; done += 3)
            {
                sent.Add((phase, done, 40));
                progress(phase, done, 40);
            }
        }

        Assert.Equal(sent, seen);
    }
}
