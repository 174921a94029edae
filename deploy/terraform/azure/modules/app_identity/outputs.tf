output "client_id" {
  description = "The identity's client id: annotate the ServiceAccount with azure.workload.identity/client-id."
  value       = azurerm_user_assigned_identity.this.client_id
}

output "principal_name" {
  description = "The identity's name, the PostgreSQL role to create for it (pgaadauth_create_principal)."
  value       = azurerm_user_assigned_identity.this.name
}
