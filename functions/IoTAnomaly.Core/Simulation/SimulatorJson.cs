using System.Buffers;
using System.Text;
using System.Text.Json;

namespace IoTAnomaly.Core.Simulation;

/// <summary>
/// Request bodies for many simulated readings. Readings go into JSON arrays of at most <c>maxPerBody</c> elements.
/// A malformed reading whose JSON is still well formed (a string for a number, a missing sensor, "NaN") goes into the
/// array like any other: the parser rejects that one element and scores the rest. A syntactically broken one cannot
/// share an array: from the first syntax error on, the rest of the array is unreadable and would be rejected as one
/// <c>malformed-json</c> remainder, taking the valid readings after it down too. So each broken reading is sent as a
/// body of its own, and costs only itself.
/// </summary>
public static class SimulatorJson
{
    /// <summary>Splits <paramref name="readings"/> into request bodies (order kept within each kind of body).</summary>
    public static IReadOnlyList<byte[]> BuildBodies(IReadOnlyList<SimulatedReading> readings, int maxPerBody = 100)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerBody, 1);
        var bodies = new List<byte[]>();
        var buffer = new ArrayBufferWriter<byte>(maxPerBody * 320);
        var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        var inArray = 0;
        try
        {
            foreach (var reading in readings)
            {
                if (IsSyntacticallyBroken(reading))
                {
                    bodies.Add(Encoding.UTF8.GetBytes(reading.MalformedPayload!));
                    continue;
                }

                if (inArray == 0)
                {
                    writer.WriteStartArray();
                }

                FleetSimulator.WriteJson(reading, writer);
                if (++inArray == maxPerBody)
                {
                    Flush();
                }
            }

            if (inArray > 0)
            {
                Flush();
            }
        }
        finally
        {
            writer.Dispose();
        }

        return bodies;

        void Flush()
        {
            writer.WriteEndArray();
            writer.Flush();
            bodies.Add(buffer.WrittenSpan.ToArray());
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            inArray = 0;
        }
    }

    /// <summary>One JSON array body of readings (no special handling of broken ones: see <see cref="BuildBodies"/>).</summary>
    public static byte[] BuildArray(IReadOnlyList<SimulatedReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, readings.Count * 320));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartArray();
            foreach (var reading in readings)
            {
                FleetSimulator.WriteJson(reading, writer);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Whether a reading's wire form is not valid JSON (only malformed readings can be).</summary>
    public static bool IsSyntacticallyBroken(SimulatedReading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (reading.MalformedPayload is not { } payload)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(payload));
            reader.Read();
            reader.Skip();
            return reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray) || reader.Read();
        }
        catch (JsonException)
        {
            return true;
        }
    }
}
