# Event Hubs speaks the Kafka protocol on port 9093: the namespace is the cluster, a hub is
# a topic. Only Entra ID identities sign in (no shared access keys), only through the
# private endpoint. Hubs are created here, never by a client: the bookings topic and its
# dead letters.

resource "azurerm_eventhub_namespace" "this" {
  name                          = var.name
  location                      = var.location
  resource_group_name           = var.resource_group_name
  sku                           = var.sku
  capacity                      = var.capacity
  minimum_tls_version           = "1.2"
  public_network_access_enabled = false
  local_authentication_enabled  = false

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
