metadata name = 'Log Analytics workspace and Application Insights'
metadata description = 'Creates a Log Analytics workspace and a workspace-based Application Insights component with local (key) authentication disabled, so telemetry is ingested with Entra ID only.'

@description('Required. Name of the Log Analytics workspace.')
param workspaceName string

@description('Required. Name of the Application Insights component.')
param appInsightsName string

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Days the workspace keeps data (30 days are included in the ingestion price).')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Optional. Daily ingestion cap of the workspace in GB; -1 means no cap.')
param dailyQuotaGb int = -1

@description('Optional. Tags of the resources.')
param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
    features: {
      disableLocalAuth: true
      enableLogAccessUsingOnlyResourcePermissions: true
    }
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
    DisableIpMasking: false
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

@description('The name of the Log Analytics workspace.')
output workspaceName string = workspace.name

@description('The resource ID of the Log Analytics workspace.')
output workspaceResourceId string = workspace.id

@description('The name of the Application Insights component.')
output name string = appInsights.name

@description('The resource ID of the Application Insights component.')
output resourceId string = appInsights.id

@description('The Application Insights connection string. It identifies the component but grants nothing, because local authentication is disabled.')
output connectionString string = appInsights.properties.ConnectionString
