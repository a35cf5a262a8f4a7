using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace IoTAnomaly.Infrastructure.Simulation;

/// <summary>
/// Shared access signatures for the Event Hubs and IoT Hub REST APIs:
/// <c>SharedAccessSignature sr={url-encoded resource}&amp;sig={url-encoded base64 HMAC-SHA256}&amp;se={expiry}[&amp;skn={key name}]</c>,
/// the HMAC taken over <c>{url-encoded resource}\n{expiry in Unix seconds}</c>.
/// </summary>
public static class SasTokens
{
    /// <summary>
    /// An Event Hubs token. <paramref name="key"/> is the policy's key exactly as the portal shows it: Event Hubs signs with
    /// its UTF-8 bytes (it is not base64-decoded).
    /// </summary>
    /// <param name="resourceUri">e.g. <c>https://my-ns.servicebus.windows.net/my-hub</c>.</param>
    public static string ForEventHubs(string resourceUri, string keyName, string key, DateTimeOffset expiry)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resourceUri);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyName);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return Build(resourceUri, Encoding.UTF8.GetBytes(key), expiry, keyName);
    }

    /// <summary>
    /// An IoT Hub device token. <paramref name="base64DeviceKey"/> is the device's primary or secondary key: IoT Hub signs
    /// with the base64-decoded bytes. No key name for a device's own key.
    /// </summary>
    /// <param name="resourceUri">e.g. <c>my-hub.azure-devices.net/devices/pump-001</c>.</param>
    public static string ForIotHubDevice(string resourceUri, string base64DeviceKey, DateTimeOffset expiry)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resourceUri);
        ArgumentException.ThrowIfNullOrWhiteSpace(base64DeviceKey);
        return Build(resourceUri, Convert.FromBase64String(base64DeviceKey), expiry, keyName: null);
    }

    /// <summary>
    /// A device key derived from a group enrollment key, as the Device Provisioning Service does:
    /// <c>base64(HMAC-SHA256(base64-decoded group key, deviceId))</c>.
    /// </summary>
    public static string DeriveDeviceKey(string base64GroupKey, string deviceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(base64GroupKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        return Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(base64GroupKey), Encoding.UTF8.GetBytes(deviceId)));
    }

    private static string Build(string resourceUri, byte[] key, DateTimeOffset expiry, string? keyName)
    {
        var encoded = WebUtility.UrlEncode(resourceUri);
        var se = expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(encoded + "\n" + se)));
        var token = $"SharedAccessSignature sr={encoded}&sig={WebUtility.UrlEncode(signature)}&se={se}";
        return keyName is null ? token : token + "&skn=" + WebUtility.UrlEncode(keyName);
    }
}
