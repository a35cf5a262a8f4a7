metadata name = 'Application Insights ingestion role assignment'
metadata description = 'Grants the Function App identity Monitoring Metrics Publisher on Application Insights, which Entra ID ingestion requires when local authentication is disabled.'

@description('Required. Name of the existing Application Insights component.')
param appInsightsName string

@description('Required. Name of the existing user-assigned identity of the Function App.')
param appIdentityName string

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appInsights
  name: guid(appInsights.id, appIdentity.id, monitoringMetricsPublisher)
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

@description('The name of the role assignment.')
output name string = publisher.name

@description('The resource ID of the role assignment.')
output resourceId string = publisher.id
