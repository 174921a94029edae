# Event Hubs speaks the Kafka protocol on port 9093: the namespace is the cluster, a hub is
# a topic. Only through the private endpoint. The application signs in with SASL PLAIN,
# username $ConnectionString and the connection string of a Send+Listen rule as password:
# librdkafka (confluent-kafka) cannot fetch Entra ID tokens by itself, so local (shared
# access key) authentication is on, and the rule's connection string is kept in Key Vault.
# Hubs are created here, never by a client: the bookings topic and its dead letters.

resource "azurerm_eventhub_namespace" "this" {
  name                          = var.name
  location                      = var.location
  resource_group_name           = var.resource_group_name
  sku                           = var.sku
  capacity                      = var.capacity
  minimum_tls_version           = "1.2"
  public_network_access_enabled = false
  local_authentication_enabled  = true

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_eventhub" "this" {
  for_each = toset([var.topic, "${var.topic}.dlq"])

  name              = each.value
  namespace_id      = azurerm_eventhub_namespace.this.id
  partition_count   = var.partition_count
  message_retention = var.message_retention_days
}

# The application's rule: it sends and reads bookings, and manages nothing.
resource "azurerm_eventhub_namespace_authorization_rule" "app" {
  name                = "bolttickets-app"
  namespace_name      = azurerm_eventhub_namespace.this.name
  resource_group_name = var.resource_group_name
  send                = true
  listen              = true
  manage              = false
}

resource "azurerm_key_vault_secret" "kafka_password" {
  #checkov:skip=CKV_AZURE_41:The key is rotated by regenerating it on the rule and applying again; an expiry date would stop the application, not rotate anything.
  name         = "kafka-sasl-password"
  value        = azurerm_eventhub_namespace_authorization_rule.app.primary_connection_string
  key_vault_id = var.key_vault_id
  content_type = "text/plain"
}
