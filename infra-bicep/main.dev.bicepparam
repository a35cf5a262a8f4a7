using 'main.bicep'

// Development: smallest units, scale to zero, automatic retraining, short retention.
// On-call receivers come from the environment so that no address or webhook lives in the repository:
//   ALERT_EMAILS (comma-separated), ALERT_WEBHOOK_URI.

var alertEmails = readEnvironmentVariable('ALERT_EMAILS', '')

param environmentName = 'dev'
param workloadName = 'iotanomaly'
param tags = {
  costCenter: 'iotanomaly-dev'
}

param iotHubSkuName = 'S1'
param iotHubCapacity = 1
param eventHubsCapacity = 1
param eventHubsMaximumThroughputUnits = 0
param eventHubPartitionCount = 4
param eventHubRetentionHours = 24
param storageSkuName = 'Standard_LRS'
param captureRetentionDays = 90
param deadLetterRetentionDays = 14
param logRetentionDays = 30
param logDailyQuotaGb = 5

param dotnetVersion = '10.0'
param functionInstanceMemoryMB = 2048
param functionMaximumInstanceCount = 40
param functionAlwaysReadyHttpInstances = 0

param modelName = 'pump-fleet'
param driftSchedule = '0 */15 * * * *'
param retrainingMode = 'auto'

param alertEmailAddresses = empty(alertEmails) ? [] : split(alertEmails, ',')
param alertWebhookUri = readEnvironmentVariable('ALERT_WEBHOOK_URI', '')
param alertAnomaliesPerDevice = 20
param alertDeadLetterPercent = 10
param alertFunctionFailures = 10
param alertConsumerLag = 5000
param alertDeviceSilentMinutes = 30
