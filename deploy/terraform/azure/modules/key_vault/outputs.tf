output "id" {
  description = "The vault's resource id."
  value       = azurerm_key_vault.this.id
  # Secrets are written through this id: only once the deployer may write them.
  depends_on = [azurerm_role_assignment.deployer]
}

output "name" {
  description = "The vault's name (the SecretProviderClass's keyvaultName)."
  value       = azurerm_key_vault.this.name
}
