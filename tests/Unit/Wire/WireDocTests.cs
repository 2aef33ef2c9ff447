using System.Text.RegularExpressions;
using RtcScamp.Wire.Messages;
using Xunit;

namespace RtcScamp.Tests.Wire;

/// <summary>docs/wire.md must list exactly the message types the code has, with the same numbers.</summary>
public partial class WireDocTests
{
    [GeneratedRegex(@"^\|\s*(\d+)\s*\|\s*`?(\w+)`?\s*\|")]
    private static partial Regex TypeRow();

    [Fact]
    public void Message_type_table_matches_the_enum()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "wire.md"));
        int start = doc.IndexOf("## Message types", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/wire.md has no '## Message types' section");
        int end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? doc[start..] : doc[start..end];

        var documented = new SortedDictionary<int, string>();
        foreach (string line in section.Split('\n'))
        {
            Match row = TypeRow().Match(line.Trim());
            if (row.Success)
            {
                Assert.True(documented.TryAdd(int.Parse(row.Groups[1].Value), row.Groups[2].Value), $"type {row.Groups[1].Value} listed twice");
            }
        }

        var code = new SortedDictionary<int, string>(Enum.GetValues<MessageType>().ToDictionary(t => (int)t, t => t.ToString()));
        Assert.Equal(code, documented);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RtcScamp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("RtcScamp.sln not found above " + AppContext.BaseDirectory);
    }
}
