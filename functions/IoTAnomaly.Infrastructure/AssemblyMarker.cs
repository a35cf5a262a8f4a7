namespace IoTAnomaly.Infrastructure;

internal static class AssemblyMarker;
