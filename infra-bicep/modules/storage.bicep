metadata name = 'Storage account'
metadata description = 'Creates the IoTAnomaly storage account (Entra ID only: shared key off, TLS 1.2, no public blob access), its containers and lifecycle rules.'

@description('Required. Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Location for the storage account.')
param location string = resourceGroup().location

@description('Optional. Storage SKU. Use a zone-redundant SKU in production.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

@description('Required. Name of the blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Optional. Blob containers the application uses besides the deployment container.')
param containerNames string[] = [
  'models'
  'capture'
  'deadletters'
  'anomalies'
  'drift'
  'checkpoints'
  'retraining'
]

@description('Optional. Days after the last write before captured telemetry moves to the cool tier.')
@minValue(1)
param captureCoolAfterDays int = 30

@description('Optional. Days after the last write before captured telemetry is deleted. Captured telemetry is the retraining history, so keep it longer than the longest training window.')
@minValue(1)
param captureDeleteAfterDays int = 365

@description('Optional. Days after which dead-lettered readings are deleted.')
@minValue(1)
param deadLetterDeleteAfterDays int = 30

@description('Optional. Days after which anomaly records and drift reports are deleted.')
@minValue(1)
param reportDeleteAfterDays int = 180

@description('Optional. Days deleted blobs and containers can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Tags of the resource.')
param tags object = {}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storageAccount
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in union(containerNames, [deploymentContainerName]): {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = {
  parent: storageAccount
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'capture-cool-then-delete'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'capture/'
              ]
            }
            actions: {
              baseBlob: {
                tierToCool: {
                  daysAfterModificationGreaterThan: captureCoolAfterDays
                }
                delete: {
                  daysAfterModificationGreaterThan: captureDeleteAfterDays
                }
              }
            }
          }
        }
        {
          name: 'deadletters-delete'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'deadletters/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: deadLetterDeleteAfterDays
                }
              }
            }
          }
        }
        {
          name: 'reports-delete'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'anomalies/'
                'drift/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: reportDeleteAfterDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

@description('The name of the storage account.')
output name string = storageAccount.name

@description('The resource ID of the storage account.')
output resourceId string = storageAccount.id

@description('The blob service endpoint, e.g. https://<name>.blob.core.windows.net/.')
output blobEndpoint string = storageAccount.properties.primaryEndpoints.blob

@description('The queue service endpoint.')
output queueEndpoint string = storageAccount.properties.primaryEndpoints.queue

@description('The table service endpoint.')
output tableEndpoint string = storageAccount.properties.primaryEndpoints.table

@description('The name of the Flex Consumption deployment container.')
output deploymentContainerName string = deploymentContainerName
