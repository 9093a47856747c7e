using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Ergate.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
