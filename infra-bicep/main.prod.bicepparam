using 'main.bicep'

// Production: 8 partitions for scale-out, auto-inflate, zone-redundant storage, retraining waits for approval.
// On-call receivers come from the environment (GitHub environment secrets in the deploy workflow):
//   ALERT_EMAILS (comma-separated), ALERT_WEBHOOK_URI.

var alertEmails = readEnvironmentVariable('ALERT_EMAILS', '')

param environmentName = 'prod'
param workloadName = 'iotanomaly'
param tags = {
  costCenter: 'iotanomaly-prod'
}

param iotHubSkuName = 'S1'
param iotHubCapacity = 2
param eventHubsCapacity = 2
param eventHubsMaximumThroughputUnits = 10
param eventHubPartitionCount = 8
param eventHubRetentionHours = 72
param storageSkuName = 'Standard_ZRS'
param captureRetentionDays = 365
param deadLetterRetentionDays = 30
param logRetentionDays = 90
param logDailyQuotaGb = -1

param dotnetVersion = '10.0'
param functionInstanceMemoryMB = 2048
param functionMaximumInstanceCount = 100
param functionAlwaysReadyHttpInstances = 1

param modelName = 'pump-fleet'
param driftSchedule = '0 */15 * * * *'
param retrainingMode = 'approval'

param alertEmailAddresses = empty(alertEmails) ? [] : split(alertEmails, ',')
param alertWebhookUri = readEnvironmentVariable('ALERT_WEBHOOK_URI', '')
param alertAnomaliesPerDevice = 10
param alertDeadLetterPercent = 5
param alertFunctionFailures = 5
param alertConsumerLag = 10000
param alertDeviceSilentMinutes = 15
