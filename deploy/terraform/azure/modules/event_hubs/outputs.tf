output "namespace_id" {
  description = "The namespace's resource id."
  value       = azurerm_eventhub_namespace.this.id
}

output "kafka_bootstrap" {
  description = "The Kafka endpoint (BOLT_KAFKA_BOOTSTRAP): SASL_SSL with OAUTHBEARER from Entra ID."
  value       = "${azurerm_eventhub_namespace.this.name}.servicebus.windows.net:9093"
}
