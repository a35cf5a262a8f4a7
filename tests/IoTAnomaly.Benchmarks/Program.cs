using BenchmarkDotNet.Running;
using IoTAnomaly.Benchmarks;

if (args is ["capture-interleaved", ..])
{
    CaptureWriteBenchmarks.RunInterleaved();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
