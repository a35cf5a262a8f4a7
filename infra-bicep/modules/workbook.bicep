metadata name = 'IoTAnomaly operations workbook'
metadata description = 'Creates an Azure Monitor workbook over Application Insights: anomalies per device, drift per sensor, model versions in use, retraining runs and rejections. The layout lives in workbook.json next to this module.'

@description('Required. Display name of the workbook.')
param displayName string

@description('Required. Resource ID of the Application Insights component the workbook queries.')
param appInsightsResourceId string

@description('Optional. Location of the workbook.')
param location string = resourceGroup().location

@description('Optional. Tags of the resource.')
param tags object = {}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Workbook names must be GUIDs; derive a stable one from the resource group and display name.
  name: guid(resourceGroup().id, displayName)
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: appInsightsResourceId
    serializedData: loadTextContent('workbook.json')
  }
}

@description('The name (GUID) of the workbook.')
output name string = workbook.name

@description('The resource ID of the workbook.')
output resourceId string = workbook.id
