output "namespace_id" {
  description = "The namespace's resource id."
  value       = azurerm_eventhub_namespace.this.id
}

output "kafka_bootstrap" {
  description = "The Kafka endpoint (BOLT_KAFKA_BOOTSTRAP): SASL_SSL, mechanism PLAIN, username $ConnectionString."
  value       = "${azurerm_eventhub_namespace.this.name}.servicebus.windows.net:9093"
}

output "kafka_password_secret" {
  description = "The Key Vault secret holding the rule's connection string (BOLT_KAFKA_SASL_PASSWORD)."
  value       = azurerm_key_vault_secret.kafka_password.name
}
