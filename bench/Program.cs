using BenchmarkDotNet.Running;

namespace RtcScamp.Bench;

internal static class Program
{
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "floor")
        {
            // Not a benchmark: one timed run of the flat model docs/simulator.md quotes (Simulation/FlatModelFloor.cs).
            Simulation.FlatModelFloor.Run(
                args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1,
                args.Length <= 3 || args[3] != "noprefetch");
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
