metadata name = 'On-call: action group and alert rules'
metadata description = 'Creates the on-call action group (e-mail, SMS and webhook receivers, each optional) and the IoTAnomaly alert rules: log search alerts over the Application Insights custom metrics and requests, a log search alert over the Event Hubs platform metrics for consumer lag, and a metric alert for Event Hubs throttling.'

@description('Required. Prefix of the alert rule names, e.g. the environment\'s resource prefix.')
param namePrefix string

@description('Optional. Location of the log search alert rules.')
param location string = resourceGroup().location

@description('Required. Resource ID of the Application Insights component the app reports to.')
param appInsightsResourceId string

@description('Required. Resource ID of the Log Analytics workspace that receives the Event Hubs metrics.')
param workspaceResourceId string

@description('Required. Resource ID of the Event Hubs namespace.')
param eventHubsNamespaceResourceId string

@description('Optional. Short name of the action group shown in SMS and e-mail (at most 12 characters).')
@maxLength(12)
param actionGroupShortName string = 'iotanomaly'

@description('Optional. E-mail addresses of on-call.')
param emailAddresses string[] = []

@description('Optional. Phone numbers of on-call for SMS.')
param smsReceivers smsReceiver[] = []

@description('Optional. Webhook (for example an incident-management integration URL) called with the common alert schema; empty for none. The URL often embeds a token, so it is secure.')
@secure()
param webhookUri string = ''

@description('Optional. Anomalies of one device within 15 minutes that page on-call.')
@minValue(1)
param anomaliesPerDeviceThreshold int = 10

@description('Optional. Percentage of rejected (dead-lettered) readings within 15 minutes that pages on-call.')
@minValue(1)
@maxValue(100)
param deadLetterPercentThreshold int = 5

@description('Optional. Failed function executions within 15 minutes that page on-call.')
@minValue(1)
param functionFailuresThreshold int = 5

@description('Optional. Backlog (events received minus events delivered) growth within 15 minutes that counts as consumer lag.')
@minValue(1)
param consumerLagThreshold int = 10000

@description('Optional. Minutes the app must keep reporting silent devices (gauge iotanomaly.devices.silent: no reading for longer than the app setting Scoring__GapThreshold) before on-call is paged.')
@minValue(5)
@maxValue(720)
param deviceSilentMinutes int = 15

@description('Optional. Tags of the resources.')
param tags object = {}

@export()
@description('An SMS receiver of the action group.')
type smsReceiver = {
  @description('Required. Country calling code without +, e.g. 1 or 44.')
  countryCode: string

  @description('Required. Phone number without the country code.')
  phoneNumber: string
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-oncall'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    emailReceivers: [
      for (address, i) in emailAddresses: {
        name: 'email-${i}'
        emailAddress: address
        useCommonAlertSchema: true
      }
    ]
    smsReceivers: [
      for (receiver, i) in smsReceivers: {
        name: 'sms-${i}'
        countryCode: receiver.countryCode
        phoneNumber: receiver.phoneNumber
      }
    ]
    webhookReceivers: empty(webhookUri)
      ? []
      : [
          {
            name: 'webhook'
            serviceUri: webhookUri
            useCommonAlertSchema: true
          }
        ]
  }
}

// Custom metrics come from the app's OpenTelemetry Meter "IoTAnomaly" through the Azure Monitor exporter:
// one customMetrics row per instrument, attribute set and minute, with the attributes in customDimensions.
var logAlerts = [
  {
    key: 'anomaly-rate-per-device'
    displayName: 'IoTAnomaly: anomaly rate per device'
    description: 'A device produced more than ${anomaliesPerDeviceThreshold} anomalies (metric iotanomaly.anomalies) in 15 minutes.'
    severity: 2
    scope: appInsightsResourceId
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "iotanomaly.anomalies" | extend device = tostring(customDimensions["device.id"]) | summarize anomalies = sum(valueSum) by device'
    measure: 'anomalies'
    aggregation: 'Total'
    dimensions: [
      'device'
    ]
    threshold: anomaliesPerDeviceThreshold
  }
  {
    key: 'drift-detected'
    displayName: 'IoTAnomaly: data drift detected'
    description: 'The drift monitor reported drift (metric iotanomaly.drift.detected, tagged with the champion\'s model.version) in the last hour; retraining starts on its own.'
    severity: 3
    scope: appInsightsResourceId
    frequency: 'PT15M'
    window: 'PT1H'
    query: 'customMetrics | where name == "iotanomaly.drift.detected" | extend modelVersion = tostring(customDimensions["model.version"]) | summarize detections = sum(valueSum) by modelVersion'
    measure: 'detections'
    aggregation: 'Total'
    dimensions: [
      'modelVersion'
    ]
    threshold: 0
  }
  {
    key: 'retraining-failed'
    displayName: 'IoTAnomaly: retraining failed'
    description: 'A retraining run ended with outcome=failed (metric iotanomaly.retraining.runs: one per finished run, outcome promoted, rejected, dry-run, insufficient-data or failed) in the last hour.'
    severity: 2
    scope: appInsightsResourceId
    frequency: 'PT15M'
    window: 'PT1H'
    query: 'customMetrics | where name == "iotanomaly.retraining.runs" | where tostring(customDimensions["outcome"]) == "failed" | summarize failures = sum(valueSum)'
    measure: 'failures'
    aggregation: 'Total'
    dimensions: []
    threshold: 0
  }
  {
    key: 'dead-letter-rate'
    displayName: 'IoTAnomaly: dead-letter rate'
    description: 'More than ${deadLetterPercentThreshold}% of readings were rejected (metric iotanomaly.readings.rejected against iotanomaly.readings.scored) in 15 minutes, with at least 100 readings.'
    severity: 2
    scope: appInsightsResourceId
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name in ("iotanomaly.readings.rejected", "iotanomaly.readings.scored") | summarize rejected = sumif(valueSum, name == "iotanomaly.readings.rejected"), total = sum(valueSum) | where total >= 100 | extend rejectedPercent = 100.0 * rejected / total'
    measure: 'rejectedPercent'
    aggregation: 'Maximum'
    dimensions: []
    threshold: deadLetterPercentThreshold
  }
  {
    key: 'function-failures'
    displayName: 'IoTAnomaly: function failures'
    description: 'More than ${functionFailuresThreshold} function executions failed (requests with success == false) in 15 minutes.'
    severity: 1
    scope: appInsightsResourceId
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'requests | where success == false | summarize failures = count() by operation = operation_Name'
    measure: 'failures'
    aggregation: 'Total'
    dimensions: [
      'operation'
    ]
    threshold: functionFailuresThreshold
  }
  {
    key: 'eventhubs-consumer-lag'
    displayName: 'IoTAnomaly: Event Hubs consumer lag'
    description: 'The telemetry backlog grew by more than ${consumerLagThreshold} events in 15 minutes: Event Hubs received more (IncomingMessages) than it delivered (OutgoingMessages), so scoring falls behind.'
    severity: 2
    scope: workspaceResourceId
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'AzureMetrics | where ResourceProvider == "MICROSOFT.EVENTHUB" and _ResourceId =~ "${eventHubsNamespaceResourceId}" | where MetricName in ("IncomingMessages", "OutgoingMessages") | summarize incoming = sumif(Total, MetricName == "IncomingMessages"), outgoing = sumif(Total, MetricName == "OutgoingMessages") | extend backlogGrowth = incoming - outgoing'
    measure: 'backlogGrowth'
    aggregation: 'Maximum'
    dimensions: []
    threshold: consumerLagThreshold
  }
  {
    key: 'device-silent'
    displayName: 'IoTAnomaly: device silent'
    description: 'Devices that sent readings before have sent none for longer than Scoring:GapThreshold, continuously for ${deviceSilentMinutes} minutes (gauge iotanomaly.devices.silent, observed per app instance; it carries no device id, so the alert is per instance).'
    severity: 3
    scope: appInsightsResourceId
    frequency: 'PT15M'
    window: 'P1D'
    query: 'customMetrics | where name == "iotanomaly.devices.silent" and timestamp > ago(${deviceSilentMinutes}m) | extend device = "(fleet)", instance = cloud_RoleInstance | summarize silent = min(valueMin), samples = count() by device, instance | where samples >= 2'
    measure: 'silent'
    aggregation: 'Maximum'
    dimensions: [
      'device'
      'instance'
    ]
    threshold: 0
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in logAlerts: {
    name: '${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        rule.scope
      ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            metricMeasureColumn: rule.measure
            timeAggregation: rule.aggregation
            dimensions: [
              for dimension in rule.dimensions: {
                name: dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

resource throttlingAlert 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: '${namePrefix}-eventhubs-throttled'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Hubs throttled requests: the namespace needs more throughput units (or auto-inflate).'
    severity: 2
    enabled: true
    scopes: [
      eventHubsNamespaceResourceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled'
          metricNamespace: 'Microsoft.EventHub/namespaces'
          metricName: 'ThrottledRequests'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

@description('The name of the action group.')
output name string = actionGroup.name

@description('The resource ID of the action group.')
output resourceId string = actionGroup.id

@description('The names of all alert rules.')
output alertRuleNames string[] = concat(map(logAlerts, rule => '${namePrefix}-${rule.key}'), [throttlingAlert.name])
