using BenchmarkDotNet.Running;

namespace RtcScamp.Bench;

internal static class Program
{
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "floor")
        {
            // Not a benchmark: one timed run of the flat model docs/simulator.md quotes (Simulation/FlatModelFloor.cs).
            try
            {
                Simulation.FlatModelFloor.Run(args);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"floor: {e.Message}");
                Environment.ExitCode = 2;
            }

            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
