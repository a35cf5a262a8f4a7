metadata name = 'IoT Hub with telemetry route to Event Hubs'
metadata description = 'Creates an IoT Hub whose device telemetry is routed to the telemetry event hub through an identity-based endpoint (no connection string), with service-side shared access keys disabled.'

@description('Required. Name of the IoT Hub.')
param name string

@description('Optional. Location for the IoT Hub.')
param location string = resourceGroup().location

@description('Optional. IoT Hub SKU. F1 (free) does not support custom routing endpoints.')
@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'S2'
  'S3'
])
param skuName string = 'S1'

@description('Optional. Number of IoT Hub units.')
@minValue(1)
@maxValue(200)
param skuCapacity int = 1

@description('Required. Resource ID of the user-assigned identity IoT Hub sends to Event Hubs with. It needs Azure Event Hubs Data Sender on the telemetry hub.')
param routingIdentityResourceId string

@description('Required. Fully qualified Event Hubs namespace host name, e.g. <name>.servicebus.windows.net.')
param eventHubsFullyQualifiedNamespace string

@description('Required. Name of the telemetry event hub.')
param eventHubName string

@description('Optional. Disable shared access key authentication for service APIs; operators then use Entra ID roles such as IoT Hub Data Contributor.')
param disableLocalAuth bool = true

@description('Optional. Disable device shared access signatures, so that devices must authenticate with X.509 certificates.')
param disableDeviceSas bool = false

@description('Optional. Tags of the resource.')
param tags object = {}

var telemetryEndpointName = 'telemetry-eventhub'

resource iotHub 'Microsoft.Devices/IotHubs@2023-06-30' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    capacity: skuCapacity
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${routingIdentityResourceId}': {}
    }
  }
  properties: {
    minTlsVersion: '1.2'
    disableLocalAuth: disableLocalAuth
    disableDeviceSAS: disableDeviceSas
    disableModuleSAS: disableDeviceSas
    publicNetworkAccess: 'Enabled'
    routing: {
      endpoints: {
        eventHubs: [
          {
            name: telemetryEndpointName
            authenticationType: 'identityBased'
            identity: {
              userAssignedIdentity: routingIdentityResourceId
            }
            endpointUri: 'sb://${eventHubsFullyQualifiedNamespace}'
            entityPath: eventHubName
            subscriptionId: subscription().subscriptionId
            resourceGroup: resourceGroup().name
          }
        ]
      }
      routes: [
        {
          name: 'device-telemetry'
          source: 'DeviceMessages'
          condition: 'true'
          endpointNames: [
            telemetryEndpointName
          ]
          isEnabled: true
        }
      ]
      fallbackRoute: {
        name: '$fallback'
        source: 'DeviceMessages'
        condition: 'true'
        endpointNames: [
          'events'
        ]
        isEnabled: false
      }
    }
  }
}

@description('The name of the IoT Hub.')
output name string = iotHub.name

@description('The resource ID of the IoT Hub.')
output resourceId string = iotHub.id

@description('The IoT Hub host name devices connect to.')
output hostName string = iotHub.properties.hostName
