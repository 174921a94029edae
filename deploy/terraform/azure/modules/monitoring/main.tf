# One Log Analytics workspace: the AKS monitoring agent's container logs and metrics, and
# the diagnostic logs of the cluster and the data services.

resource "azurerm_log_analytics_workspace" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = "PerGB2018"
  retention_in_days   = var.retention_in_days
}
