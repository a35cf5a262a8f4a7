metadata name = 'Event Hubs namespace, telemetry hub and Capture'
metadata description = 'Creates an Event Hubs namespace with local (SAS) authentication disabled, the telemetry hub with a consumer group for the scoring app, and Capture to Blob (Avro) written with a user-assigned identity.'

@description('Required. Name of the Event Hubs namespace.')
param name string

@description('Optional. Location for the namespace.')
param location string = resourceGroup().location

@description('Optional. Namespace tier. Capture needs Standard or Premium.')
@allowed([
  'Standard'
  'Premium'
])
param skuName string = 'Standard'

@description('Optional. Throughput units (Standard) or processing units (Premium).')
@minValue(1)
@maxValue(40)
param skuCapacity int = 1

@description('Optional. Upper bound for auto-inflate of throughput units (Standard only); 0 disables auto-inflate.')
@minValue(0)
@maxValue(40)
param maximumThroughputUnits int = 0

@description('Optional. Name of the event hub that receives device telemetry.')
param eventHubName string = 'telemetry'

@description('Optional. Partitions of the telemetry hub. One Functions instance reads each partition, so this caps the scale-out of scoring. It cannot be lowered later.')
@minValue(1)
@maxValue(32)
param partitionCount int = 8

@description('Optional. Hours the hub keeps events.')
@minValue(1)
@maxValue(168)
param retentionHours int = 24

@description('Optional. Consumer group that the scoring Function App reads.')
param consumerGroupName string = 'scoring'

@description('Required. Resource ID of the user-assigned identity Capture writes blobs with. It needs Storage Blob Data Contributor on the capture container.')
param captureIdentityResourceId string

@description('Required. Resource ID of the storage account that receives Capture files.')
param captureStorageAccountResourceId string

@description('Optional. Blob container for Capture files.')
param captureContainerName string = 'capture'

@description('Optional. Seconds between Capture files per partition.')
@minValue(60)
@maxValue(900)
param captureIntervalSeconds int = 300

@description('Optional. Bytes that trigger a Capture file before the interval ends.')
@minValue(10485760)
@maxValue(524288000)
param captureSizeLimitBytes int = 314572800

@description('Required. Resource ID of the Log Analytics workspace that receives the namespace metrics (consumer lag alert) and logs.')
param workspaceResourceId string

@description('Optional. Tags of the resources.')
param tags object = {}

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
    capacity: skuCapacity
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${captureIdentityResourceId}': {}
    }
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    isAutoInflateEnabled: skuName == 'Standard' && maximumThroughputUnits > 0
    maximumThroughputUnits: skuName == 'Standard' ? maximumThroughputUnits : 0
  }
}

resource eventHub 'Microsoft.EventHub/namespaces/eventhubs@2026-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: partitionCount
    retentionDescription: {
      cleanupPolicy: 'Delete'
      retentionTimeInHours: retentionHours
    }
    captureDescription: {
      enabled: true
      encoding: 'Avro'
      intervalInSeconds: captureIntervalSeconds
      sizeLimitInBytes: captureSizeLimitBytes
      skipEmptyArchives: true
      destination: {
        name: 'EventHubArchive.AzureBlockBlob'
        identity: {
          type: 'UserAssigned'
          userAssignedIdentity: captureIdentityResourceId
        }
        properties: {
          storageAccountResourceId: captureStorageAccountResourceId
          blobContainer: captureContainerName
          archiveNameFormat: '{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}'
        }
      }
    }
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2026-01-01' = {
  parent: eventHub
  name: consumerGroupName
  properties: {
    userMetadata: 'IoTAnomaly ScoreTelemetry function'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: namespace
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceResourceId
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

@description('The name of the namespace.')
output name string = namespace.name

@description('The resource ID of the namespace.')
output resourceId string = namespace.id

@description('The fully qualified namespace host name, e.g. <name>.servicebus.windows.net.')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]

@description('The name of the telemetry hub.')
output eventHubName string = eventHub.name

@description('The resource ID of the telemetry hub.')
output eventHubResourceId string = eventHub.id

@description('The name of the scoring consumer group.')
output consumerGroupName string = consumerGroup.name
