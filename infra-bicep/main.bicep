metadata name = 'IoTAnomaly'
metadata description = 'Deploys the IoTAnomaly pipeline into one resource group: IoT Hub → Event Hubs (Capture to Blob) → Function App on Flex Consumption scoring every reading, drift monitoring and Durable retraining, with Log Analytics, Application Insights, on-call alerts and a workbook. Identity-based access everywhere; no keys.'

targetScope = 'resourceGroup'

import { smsReceiver } from 'modules/alerts.bicep'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@description('Required. Environment name; part of every resource name.')
@allowed([
  'dev'
  'prod'
])
param environmentName string

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Short workload name used in resource names (lowercase letters and digits).')
@minLength(3)
@maxLength(12)
param workloadName string = 'iotanomaly'

@description('Optional. Tags applied to every resource.')
param tags object = {}

@description('Optional. IoT Hub SKU.')
@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'S2'
  'S3'
])
param iotHubSkuName string = 'S1'

@description('Optional. IoT Hub units.')
@minValue(1)
@maxValue(200)
param iotHubCapacity int = 1

@description('Optional. Event Hubs throughput units.')
@minValue(1)
@maxValue(40)
param eventHubsCapacity int = 1

@description('Optional. Event Hubs auto-inflate ceiling in throughput units; 0 disables auto-inflate.')
@minValue(0)
@maxValue(40)
param eventHubsMaximumThroughputUnits int = 0

@description('Optional. Partitions of the telemetry hub; caps how far scoring scales out. Cannot be lowered later.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 8

@description('Optional. Hours the telemetry hub keeps events.')
@minValue(1)
@maxValue(168)
param eventHubRetentionHours int = 24

@description('Optional. Storage SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Optional. Days after which captured telemetry is deleted.')
@minValue(1)
param captureRetentionDays int = 365

@description('Optional. Days after which dead-lettered readings are deleted.')
@minValue(1)
param deadLetterRetentionDays int = 30

@description('Optional. Log Analytics retention in days.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Optional. Log Analytics daily ingestion cap in GB; -1 for none.')
param logDailyQuotaGb int = -1

@description('Optional. .NET version of the dotnet-isolated worker on Flex Consumption.')
@allowed([
  '8.0'
  '9.0'
  '10.0'
])
param dotnetVersion string = '10.0'

@description('Optional. Memory per Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

@description('Optional. Maximum Function App instances.')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Optional. Always-ready instances for the HTTP functions; 0 scales to zero.')
@minValue(0)
@maxValue(20)
param functionAlwaysReadyHttpInstances int = 0

@description('Optional. Name of the registry model the app scores with and retrains.')
param modelName string = 'pump-fleet'

@description('Optional. Six-field NCRONTAB schedule of the drift monitor.')
param driftSchedule string = '0 */15 * * * *'

@description('Optional. Retraining mode: auto promotes a better challenger, approval waits for an operator.')
@allowed([
  'auto'
  'approval'
])
param retrainingMode string = 'approval'

@description('Optional. E-mail addresses of on-call.')
param alertEmailAddresses string[] = []

@description('Optional. SMS receivers of on-call, each { countryCode, phoneNumber }.')
param alertSmsReceivers smsReceiver[] = []

@description('Optional. Webhook URL called by alerts (common alert schema); empty for none.')
@secure()
param alertWebhookUri string = ''

@description('Optional. Anomalies of one device within 15 minutes that page on-call.')
@minValue(1)
param alertAnomaliesPerDevice int = 10

@description('Optional. Percentage of rejected readings within 15 minutes that pages on-call.')
@minValue(1)
@maxValue(100)
param alertDeadLetterPercent int = 5

@description('Optional. Failed function executions within 15 minutes that page on-call.')
@minValue(1)
param alertFunctionFailures int = 5

@description('Optional. Event Hubs backlog growth within 15 minutes that pages on-call.')
@minValue(1)
param alertConsumerLag int = 10000

@description('Optional. Minutes the app must keep reporting silent devices (no reading for longer than Scoring__GapThreshold) before the device-silent alert pages on-call.')
@minValue(5)
@maxValue(720)
param alertDeviceSilentMinutes int = 15

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = uniqueString(subscription().id, resourceGroup().id, environmentName)
var prefix = '${workloadName}-${environmentName}'
var allTags = union(tags, {
  workload: workloadName
  environment: environmentName
})
var deploymentContainerName = 'app-package'
var names = {
  appIdentity: 'id-${prefix}-func'
  iotHubIdentity: 'id-${prefix}-iothub'
  captureIdentity: 'id-${prefix}-capture'
  workspace: 'log-${prefix}-${resourceToken}'
  appInsights: 'appi-${prefix}-${resourceToken}'
  storage: take('st${replace(workloadName, '-', '')}${resourceToken}', 24)
  eventHubsNamespace: 'evhns-${prefix}-${resourceToken}'
  eventHub: 'telemetry'
  consumerGroup: 'scoring'
  captureContainer: 'capture'
  iotHub: 'iot-${prefix}-${resourceToken}'
  functionApp: 'func-${prefix}-${resourceToken}'
  plan: 'plan-${prefix}-${resourceToken}'
}

// ---------------------------------------------------------------------------------------------
// Identities: one per caller, each with only its own roles
// ---------------------------------------------------------------------------------------------

module appIdentity 'modules/identity.bicep' = {
  name: 'identity-app'
  params: {
    name: names.appIdentity
    location: location
    tags: allTags
  }
}

module iotHubIdentity 'modules/identity.bicep' = {
  name: 'identity-iothub'
  params: {
    name: names.iotHubIdentity
    location: location
    tags: allTags
  }
}

module captureIdentity 'modules/identity.bicep' = {
  name: 'identity-capture'
  params: {
    name: names.captureIdentity
    location: location
    tags: allTags
  }
}

// ---------------------------------------------------------------------------------------------
// Monitoring and storage
// ---------------------------------------------------------------------------------------------

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    location: location
    retentionInDays: logRetentionDays
    dailyQuotaGb: logDailyQuotaGb
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    captureDeleteAfterDays: captureRetentionDays
    deadLetterDeleteAfterDays: deadLetterRetentionDays
    tags: allTags
  }
}

module storageAccess 'modules/rbac-storage.bicep' = {
  name: 'rbac-storage'
  params: {
    storageAccountName: names.storage
    appIdentityName: names.appIdentity
    captureIdentityName: names.captureIdentity
    captureContainerName: names.captureContainer
  }
  dependsOn: [
    storage
    appIdentity
    captureIdentity
  ]
}

module monitoringAccess 'modules/rbac-monitoring.bicep' = {
  name: 'rbac-monitoring'
  params: {
    appInsightsName: names.appInsights
    appIdentityName: names.appIdentity
  }
  dependsOn: [
    monitoring
    appIdentity
  ]
}

// ---------------------------------------------------------------------------------------------
// Ingestion: Event Hubs (after Capture may write to storage), then IoT Hub (after it may send)
// ---------------------------------------------------------------------------------------------

module eventHubs 'modules/eventhubs.bicep' = {
  name: 'eventhubs'
  params: {
    name: names.eventHubsNamespace
    location: location
    skuCapacity: eventHubsCapacity
    maximumThroughputUnits: eventHubsMaximumThroughputUnits
    eventHubName: names.eventHub
    partitionCount: eventHubPartitionCount
    retentionHours: eventHubRetentionHours
    consumerGroupName: names.consumerGroup
    captureIdentityResourceId: captureIdentity.outputs.resourceId
    captureStorageAccountResourceId: storage.outputs.resourceId
    captureContainerName: names.captureContainer
    workspaceResourceId: monitoring.outputs.workspaceResourceId
    tags: allTags
  }
  dependsOn: [
    storageAccess
  ]
}

module eventHubsAccess 'modules/rbac-eventhubs.bicep' = {
  name: 'rbac-eventhubs'
  params: {
    namespaceName: names.eventHubsNamespace
    eventHubName: names.eventHub
    appIdentityName: names.appIdentity
    iotHubIdentityName: names.iotHubIdentity
  }
  dependsOn: [
    eventHubs
    appIdentity
    iotHubIdentity
  ]
}

module iotHub 'modules/iothub.bicep' = {
  name: 'iothub'
  params: {
    name: names.iotHub
    location: location
    skuName: iotHubSkuName
    skuCapacity: iotHubCapacity
    routingIdentityResourceId: iotHubIdentity.outputs.resourceId
    eventHubsFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    tags: allTags
  }
  dependsOn: [
    eventHubsAccess
  ]
}

// ---------------------------------------------------------------------------------------------
// Compute: Function App on Flex Consumption
// ---------------------------------------------------------------------------------------------

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    identityResourceId: appIdentity.outputs.resourceId
    identityClientId: appIdentity.outputs.clientId
    storageAccountName: names.storage
    deploymentContainerName: storage.outputs.deploymentContainerName
    eventHubsFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubsNamespaceName: names.eventHubsNamespace
    eventHubName: eventHubs.outputs.eventHubName
    consumerGroupName: eventHubs.outputs.consumerGroupName
    appInsightsConnectionString: monitoring.outputs.connectionString
    dotnetVersion: dotnetVersion
    instanceMemoryMB: functionInstanceMemoryMB
    maximumInstanceCount: functionMaximumInstanceCount
    alwaysReadyHttpInstances: functionAlwaysReadyHttpInstances
    modelName: modelName
    driftSchedule: driftSchedule
    retrainingMode: retrainingMode
    tags: allTags
  }
  // Start the app only once its identity can reach storage, Event Hubs and Application Insights.
  dependsOn: [
    storageAccess
    eventHubsAccess
    monitoringAccess
  ]
}

// ---------------------------------------------------------------------------------------------
// On-call and dashboards
// ---------------------------------------------------------------------------------------------

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: prefix
    location: location
    appInsightsResourceId: monitoring.outputs.resourceId
    workspaceResourceId: monitoring.outputs.workspaceResourceId
    eventHubsNamespaceResourceId: eventHubs.outputs.resourceId
    emailAddresses: alertEmailAddresses
    smsReceivers: alertSmsReceivers
    webhookUri: alertWebhookUri
    anomaliesPerDeviceThreshold: alertAnomaliesPerDevice
    deadLetterPercentThreshold: alertDeadLetterPercent
    functionFailuresThreshold: alertFunctionFailures
    consumerLagThreshold: alertConsumerLag
    deviceSilentMinutes: alertDeviceSilentMinutes
    tags: allTags
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  params: {
    displayName: 'IoTAnomaly operations (${environmentName})'
    appInsightsResourceId: monitoring.outputs.resourceId
    location: location
    tags: allTags
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (names and identifiers only; nothing secret)
// ---------------------------------------------------------------------------------------------

@description('The name of the Function App.')
output functionAppName string = functionApp.outputs.name

@description('The host name of the Function App.')
output functionAppHostName string = functionApp.outputs.defaultHostName

@description('The name of the IoT Hub.')
output iotHubName string = iotHub.outputs.name

@description('The IoT Hub host name devices connect to.')
output iotHubHostName string = iotHub.outputs.hostName

@description('The name of the Event Hubs namespace.')
output eventHubsNamespaceName string = eventHubs.outputs.name

@description('The name of the storage account.')
output storageAccountName string = storage.outputs.name

@description('The name of the Application Insights component.')
output appInsightsName string = monitoring.outputs.name

@description('The client ID of the Function App identity.')
output appIdentityClientId string = appIdentity.outputs.clientId

@description('The names of the alert rules.')
output alertRuleNames string[] = alerts.outputs.alertRuleNames
