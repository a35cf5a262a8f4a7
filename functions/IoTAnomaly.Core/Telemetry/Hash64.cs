using System.Buffers.Binary;
using System.Numerics;

namespace IoTAnomaly.Core.Telemetry;

/// <summary>A fast, non-cryptographic, deterministic 64-bit hash for duplicate and idempotency keys.</summary>
public static class Hash64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;

    public static ulong Compute(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        var h = seed ^ ((ulong)data.Length * Prime1);
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var k = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            h ^= BitOperations.RotateLeft(k * Prime2, 31) * Prime1;
            h = (BitOperations.RotateLeft(h, 27) * Prime1) + Prime3;
        }

        ulong tail = 0;
        for (var shift = 0; i < data.Length; i++, shift += 8)
        {
            tail |= (ulong)data[i] << shift;
        }

        h ^= BitOperations.RotateLeft(tail * Prime2, 31) * Prime1;
        return Mix(h);
    }

    public static ulong Combine(ulong a, ulong b) => Mix(a ^ (b * Prime2) ^ BitOperations.RotateLeft(b, 29));

    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        h ^= h >> 32;
        return h;
    }
}
