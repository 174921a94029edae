output "id" {
  description = "The cache's resource id."
  value       = azurerm_redis_cache.this.id
}

output "hostname" {
  description = "The cache's host name (TLS on port 6380)."
  value       = azurerm_redis_cache.this.hostname
}

output "url_secret" {
  description = "Name of the Key Vault secret holding BOLT_REDIS_URL."
  value       = azurerm_key_vault_secret.url.name
}
