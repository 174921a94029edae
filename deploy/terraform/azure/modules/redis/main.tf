# Premium Redis spread over the three zones (a primary and two replicas), TLS 1.2 only on
# port 6380, reachable only through its private endpoint. Its URL, with the access key,
# goes to Key Vault, where the chart's Secrets Store CSI volume reads it.

resource "azurerm_redis_cache" "this" {
  name                          = var.name
  location                      = var.location
  resource_group_name           = var.resource_group_name
  sku_name                      = "Premium"
  family                        = "P"
  capacity                      = var.capacity
  zones                         = ["1", "2", "3"]
  replicas_per_primary          = 2
  redis_version                 = "6"
  minimum_tls_version           = "1.2"
  non_ssl_port_enabled          = false
  public_network_access_enabled = false

  redis_configuration {
    authentication_enabled = true
  }

  patch_schedule {
    day_of_week    = "Sunday"
    start_hour_utc = 4
  }
}

resource "azurerm_key_vault_secret" "url" {
  #checkov:skip=CKV_AZURE_41:The key is rotated by regenerating it in Redis and applying again; an expiry date would stop the application, not rotate anything.
  name         = "redis-url"
  value        = "rediss://:${azurerm_redis_cache.this.primary_access_key}@${azurerm_redis_cache.this.hostname}:${azurerm_redis_cache.this.ssl_port}/0"
  key_vault_id = var.key_vault_id
  content_type = "text/uri-list"
}
