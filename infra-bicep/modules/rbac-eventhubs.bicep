metadata name = 'Event Hubs data-plane role assignments'
metadata description = 'Grants least-privilege roles on the telemetry event hub: the Function App may only receive, IoT Hub routing may only send.'

@description('Required. Name of the existing Event Hubs namespace.')
param namespaceName string

@description('Required. Name of the existing telemetry event hub.')
param eventHubName string

@description('Required. Name of the existing user-assigned identity of the Function App (receiver).')
param appIdentityName string

@description('Required. Name of the existing user-assigned identity of IoT Hub routing (sender).')
param iotHubIdentityName string

var roles = {
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
}

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource iotHubIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: iotHubIdentityName
}

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' existing = {
  name: namespaceName

  resource eventHub 'eventhubs' existing = {
    name: eventHubName
  }
}

resource appReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: namespace::eventHub
  name: guid(namespace::eventHub.id, appIdentity.id, roles.eventHubsDataReceiver)
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataReceiver)
  }
}

resource iotHubSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: namespace::eventHub
  name: guid(namespace::eventHub.id, iotHubIdentity.id, roles.eventHubsDataSender)
  properties: {
    principalId: iotHubIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
  }
}

@description('The name of the receiver role assignment.')
output name string = appReceiver.name

@description('The resource ID of the receiver role assignment.')
output resourceId string = appReceiver.id

@description('The resource ID of the IoT Hub sender role assignment.')
output senderResourceId string = iotHubSender.id
