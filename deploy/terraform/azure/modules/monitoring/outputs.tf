output "workspace_id" {
  description = "The workspace's resource id."
  value       = azurerm_log_analytics_workspace.this.id
}
