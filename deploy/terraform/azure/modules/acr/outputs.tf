output "id" {
  description = "The registry's resource id."
  value       = azurerm_container_registry.this.id
}

output "login_server" {
  description = "Where to push the images (NAME.azurecr.io)."
  value       = azurerm_container_registry.this.login_server
}
