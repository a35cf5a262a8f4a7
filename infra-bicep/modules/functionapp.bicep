metadata name = 'Function App on Flex Consumption'
metadata description = 'Creates a Flex Consumption (FC1) plan and the IoTAnomaly Function App (.NET isolated worker) with a user-assigned managed identity and identity-based connections only: no storage keys, Event Hubs keys or instrumentation keys in app settings.'

@description('Required. Name of the Function App.')
param name string

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Optional. Location for the plan and the app.')
param location string = resourceGroup().location

@description('Required. Resource ID of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Required. Client ID of the user-assigned identity the app runs as.')
param identityClientId string

@description('Required. Name of the storage account used for AzureWebJobsStorage, Durable Functions, the deployment package and the application containers.')
param storageAccountName string

@description('Required. Name of the blob container that holds the deployment package.')
param deploymentContainerName string

@description('Required. Fully qualified Event Hubs namespace host name, e.g. <name>.servicebus.windows.net.')
param eventHubsFullyQualifiedNamespace string

@description('Required. Name of the Event Hubs namespace; Capture uses it as the first segment of its blob paths.')
param eventHubsNamespaceName string

@description('Required. Name of the telemetry event hub.')
param eventHubName string

@description('Required. Consumer group the scoring function reads.')
param consumerGroupName string

@description('Required. Application Insights connection string (an identifier only: local authentication is disabled, ingestion uses the app identity).')
param appInsightsConnectionString string

@description('Optional. Worker runtime version of the dotnet-isolated stack.')
@allowed([
  '8.0'
  '9.0'
  '10.0'
])
param dotnetVersion string = '10.0'

@description('Optional. Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Maximum number of instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Instances kept warm for the HTTP functions (0 = scale to zero, billed only per execution).')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 0

@description('Optional. Name of the registry model the app scores with, loads and retrains (Scoring__ModelName, ModelLoader__ModelName).')
param modelName string = 'pump-fleet'

@description('Optional. Six-field NCRONTAB schedule of the drift monitor (DriftSchedule for the timer trigger, Drift__Schedule for the options).')
param driftSchedule string = '0 */15 * * * *'

@description('Optional. Retraining mode (Retraining__Mode): auto promotes a better challenger, approval waits for an operator.')
@allowed([
  'auto'
  'approval'
])
param retrainingMode string = 'approval'

@description('Optional. Tags of the resources.')
param tags object = {}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

var appSettings = {
  // Host storage and the Durable Functions task hub (Azure Storage provider, hub name from host.json).
  AzureWebJobsStorage__blobServiceUri: storageAccount.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storageAccount.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storageAccount.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Event Hubs trigger connection (Connection = "EventHubConnection").
  EventHubConnection__fullyQualifiedNamespace: eventHubsFullyQualifiedNamespace
  EventHubConnection__credential: 'managedidentity'
  EventHubConnection__clientId: identityClientId
  // Trigger binding expressions: [EventHubTrigger("%EventHubName%", ConsumerGroup = "%EventHubConsumerGroup%")] and
  // [TimerTrigger("%DriftSchedule%")]. Flat names on purpose: the host resolves %Name% against the app setting of exactly
  // that name, and a nested Drift__Schedule is not reliably resolved there (it is the Drift:Schedule option below).
  EventHubName: eventHubName
  EventHubConsumerGroup: consumerGroupName
  DriftSchedule: driftSchedule
  // Application storage (model registry, sinks, capture reader) through DefaultAzureCredential.
  Storage__BlobServiceUri: storageAccount.properties.primaryEndpoints.blob
  Storage__ManagedIdentityClientId: identityClientId
  AZURE_CLIENT_ID: identityClientId
  // Capture paths are {namespace}/{event hub}/{partition}/...; the training-window reader must use the same names.
  Capture__Namespace: eventHubsNamespaceName
  Capture__EventHub: eventHubName
  // Application Insights with Entra ID ingestion.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // Application options (sections bound by the Core and Infrastructure options classes).
  Scoring__ModelName: modelName
  ModelLoader__ModelName: modelName
  Drift__Schedule: driftSchedule
  Retraining__Mode: retrainingMode
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }

  // Deployments authenticate with Entra ID; basic (publishing profile) credentials are off.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

@description('The name of the Function App.')
output name string = functionApp.name

@description('The resource ID of the Function App.')
output resourceId string = functionApp.id

@description('The default host name of the Function App.')
output defaultHostName string = functionApp.properties.defaultHostName

@description('The resource ID of the Flex Consumption plan.')
output planResourceId string = plan.id
