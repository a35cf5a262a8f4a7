metadata name = 'Storage data-plane role assignments'
metadata description = 'Grants the IoTAnomaly identities least-privilege data roles on the storage account: the Function App gets blob, queue and table data roles (host, Durable Functions, model registry and sinks); Event Hubs Capture gets blob write on the capture container only.'

@description('Required. Name of the existing storage account.')
param storageAccountName string

@description('Required. Name of the existing user-assigned identity of the Function App.')
param appIdentityName string

@description('Required. Name of the existing user-assigned identity Event Hubs Capture writes with.')
param captureIdentityName string

@description('Optional. Name of the existing capture container.')
param captureContainerName string = 'capture'

// Built-in role definition IDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

// The Functions host needs Blob Data Owner for AzureWebJobsStorage (leases, deployment package);
// Durable Functions on Azure Storage needs queues and tables.
var appRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource captureIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: captureIdentityName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource captureContainer 'containers' existing = {
      name: captureContainerName
    }
  }
}

resource appAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in appRoles: {
    scope: storageAccount
    name: guid(storageAccount.id, appIdentity.id, roleId)
    properties: {
      principalId: appIdentity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource captureAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storageAccount::blobService::captureContainer
  name: guid(storageAccount::blobService::captureContainer.id, captureIdentity.id, roles.storageBlobDataContributor)
  properties: {
    principalId: captureIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

@description('The name of the capture role assignment.')
output name string = captureAssignment.name

@description('The resource ID of the capture role assignment.')
output resourceId string = captureAssignment.id
