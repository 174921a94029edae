output "primary_fqdn" {
  description = "Host name of the primary (follows a failover to the standby)."
  value       = azurerm_postgresql_flexible_server.primary.fqdn
}

output "replica_fqdn" {
  description = "Host name of the read replica."
  value       = azurerm_postgresql_flexible_server.replica.fqdn
}

output "administrator_password_secret" {
  description = "Name of the Key Vault secret holding the administrator's password."
  value       = azurerm_key_vault_secret.administrator_password.name
}
