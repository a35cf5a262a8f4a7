namespace IoTAnomaly.Core.Telemetry;

/// <summary>
/// Remembers the most recent <c>capacity</c> message keys (FIFO eviction) and answers whether a key was seen.
/// Open addressing over 64-bit keys, striped locks; no allocation after construction. Key 0 is reserved (remapped).
/// </summary>
public sealed class DuplicateFilter
{
    private const int StripeCount = 32;
    private readonly Stripe[] _stripes;

    public DuplicateFilter(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        var perStripe = capacity == 0 ? 0 : Math.Max(16, (capacity + StripeCount - 1) / StripeCount);
        _stripes = new Stripe[StripeCount];
        for (var i = 0; i < StripeCount; i++)
        {
            _stripes[i] = new Stripe(perStripe);
        }
    }

    public int Capacity { get; }

    /// <summary>Adds the key; returns false when it was already present (a duplicate).</summary>
    public bool TryAdd(ulong key)
    {
        if (Capacity == 0)
        {
            return true;
        }

        key = key == 0 ? 0x5bd1e995UL : key;
        var stripe = _stripes[(int)(key >> 59) & (StripeCount - 1)];
        lock (stripe.Gate)
        {
            return stripe.TryAdd(key);
        }
    }

    /// <summary>
    /// Hints the processor to load the table slot of <paramref name="key"/>: calling this for a whole batch before
    /// <see cref="TryAdd"/> overlaps the cache misses of a large window instead of paying them one by one.
    /// </summary>
    public void Prefetch(ulong key)
    {
        if (Capacity == 0)
        {
            return;
        }

        key = key == 0 ? 0x5bd1e995UL : key;
        _stripes[(int)(key >> 59) & (StripeCount - 1)].Prefetch(key);
    }

    /// <summary>Forgets a key (used when a reading accepted as new is later rejected, so a corrected resend is not a duplicate).</summary>
    public void Remove(ulong key)
    {
        if (Capacity == 0)
        {
            return;
        }

        key = key == 0 ? 0x5bd1e995UL : key;
        var stripe = _stripes[(int)(key >> 59) & (StripeCount - 1)];
        lock (stripe.Gate)
        {
            stripe.Remove(key);
        }
    }

    private sealed class Stripe
    {
        private readonly ulong[] _slots;
        private readonly ulong[] _order;
        private readonly int _mask;
        private int _head;
        private int _count;

        public Lock Gate { get; } = new();

        public unsafe void Prefetch(ulong key)
        {
            if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
            {
                // A stale address after a GC move is harmless: a prefetch never faults.
                ref var slot = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_slots);
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.CompilerServices.Unsafe.Add(ref slot, (int)key & _mask)));
            }
        }

        public Stripe(int capacity)
        {
            _order = new ulong[Math.Max(capacity, 1)];
            var size = 1;
            while (size < capacity * 2)
            {
                size <<= 1;
            }

            _slots = new ulong[Math.Max(size, 2)];
            _mask = _slots.Length - 1;
        }

        public bool TryAdd(ulong key)
        {
            var index = (int)key & _mask;
            while (true)
            {
                var slot = _slots[index];
                if (slot == key)
                {
                    return false;
                }

                if (slot == 0)
                {
                    break;
                }

                index = (index + 1) & _mask;
            }

            if (_count == _order.Length)
            {
                // Evict the oldest key (FIFO) before inserting; re-probe because deletion may move entries.
                Delete(_order[_head]);
                _head = (_head + 1) % _order.Length;
                _count--;
                index = (int)key & _mask;
                while (_slots[index] != 0)
                {
                    index = (index + 1) & _mask;
                }
            }

            _slots[index] = key;
            _order[(_head + _count) % _order.Length] = key;
            _count++;
            return true;
        }

        /// <summary>Removes a key from the table; its stale entry in the FIFO ring is harmless when evicted later.</summary>
        public void Remove(ulong key) => Delete(key);

        private void Delete(ulong key)
        {
            var index = (int)key & _mask;
            while (_slots[index] != 0)
            {
                if (_slots[index] == key)
                {
                    // Backward-shift deletion keeps probe chains intact without tombstones.
                    var hole = index;
                    var next = (index + 1) & _mask;
                    while (_slots[next] != 0)
                    {
                        var home = (int)_slots[next] & _mask;
                        var distHole = (hole - home) & _mask;
                        var distNext = (next - home) & _mask;
                        if (distHole < distNext)
                        {
                            _slots[hole] = _slots[next];
                            hole = next;
                        }

                        next = (next + 1) & _mask;
                    }

                    _slots[hole] = 0;
                    return;
                }

                index = (index + 1) & _mask;
            }
        }
    }
}
