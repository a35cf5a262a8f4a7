using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker.Http;

namespace IoTAnomaly.Functions.Http;

/// <summary>
/// Small HTTP helpers shared by the HTTP functions: bounded body reads and JSON / problem answers, serialized here with
/// one set of options (web defaults, and named floating-point literals, since manifests hold ±Infinity bounds).
/// </summary>
internal static class HttpBodies
{
    /// <summary>Largest body a control request (start, approve, rollback) may have.</summary>
    public const int MaxControlBodyBytes = 64 * 1024;

    public const string JsonContentType = "application/json; charset=utf-8";

    public const string ProblemContentType = "application/problem+json; charset=utf-8";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Reads the body into memory; null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadLimitedAsync(Stream body, long? contentLength, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (contentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Reads an optional small JSON body: <c>(default, null)</c> when empty, <c>(value, null)</c> when valid,
    /// <c>(default, error)</c> when too large or not the expected JSON.
    /// </summary>
    public static async Task<(T? Value, string? Error)> ReadOptionalJsonAsync<T>(Stream body, long? contentLength, CancellationToken cancellationToken)
        where T : class
    {
        var bytes = await ReadLimitedAsync(body, contentLength, MaxControlBodyBytes, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return (null, $"The body is larger than {MaxControlBodyBytes} bytes.");
        }

        if (bytes.Value.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return (null, null);
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(bytes.Value.Span, JsonOptions), null);
        }
        catch (JsonException ex)
        {
            return (null, "The body is not valid JSON for this request: " + ex.Message);
        }
    }

    /// <summary>A JSON answer (ASP.NET Core integration).</summary>
    public static ContentResult Json<T>(T value, int status = StatusCodes.Status200OK)
        => new() { Content = JsonSerializer.Serialize(value, JsonOptions), ContentType = JsonContentType, StatusCode = status };

    /// <summary>An RFC 9457 problem answer (ASP.NET Core integration).</summary>
    public static ContentResult Problem(int status, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
        => new() { Content = JsonSerializer.Serialize(CreateProblem(status, title, detail, extensions), JsonOptions), ContentType = ProblemContentType, StatusCode = status };

    /// <summary>An RFC 9457 problem answer on the worker's own HTTP types (functions that must take <see cref="HttpRequestData"/>).</summary>
    public static async Task<HttpResponseData> ProblemAsync(HttpRequestData request, HttpStatusCode status, string title, string? detail)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = request.CreateResponse(status);
        response.Headers.Add("Content-Type", ProblemContentType);
        await response.WriteStringAsync(JsonSerializer.Serialize(CreateProblem((int)status, title, detail, null), JsonOptions)).ConfigureAwait(false);
        return response;
    }

    private static ProblemDetails CreateProblem(int status, string title, string? detail, IDictionary<string, object?>? extensions)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return problem;
    }
}
