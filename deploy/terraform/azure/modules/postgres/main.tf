# PostgreSQL 15 with a synchronous standby in another zone (zone-redundant HA), backups
# copied to the paired region, a read replica in the third zone, and private access only:
# the servers live in a delegated subnet and resolve through a private DNS zone.

resource "random_password" "administrator" {
  length      = 48
  special     = false
  min_lower   = 1
  min_upper   = 1
  min_numeric = 1
}

resource "azurerm_private_dns_zone" "this" {
  name                = "${var.name}.private.postgres.database.azure.com"
  resource_group_name = var.resource_group_name
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  name                  = "${var.name}-postgres"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.this.name
  virtual_network_id    = var.vnet_id
  registration_enabled  = false
}

resource "azurerm_postgresql_flexible_server" "primary" {
  #checkov:skip=CKV2_AZURE_57:Private access by VNet integration (a delegated subnet with no public address) instead of a private endpoint.
  name                          = "${var.name}-primary"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  version                       = "15"
  sku_name                      = var.sku_name
  storage_mb                    = var.storage_mb
  auto_grow_enabled             = true
  zone                          = "1"
  delegated_subnet_id           = var.subnet_id
  private_dns_zone_id           = azurerm_private_dns_zone.this.id
  public_network_access_enabled = false
  administrator_login           = var.administrator_login
  administrator_password        = random_password.administrator.result
  backup_retention_days         = var.backup_retention_days
  geo_redundant_backup_enabled  = true

  high_availability {
    mode                      = "ZoneRedundant"
    standby_availability_zone = "2"
  }

  # The application signs in with its workload identity; the password is the
  # administrator's, kept in Key Vault for migrations and break-glass.
  authentication {
    active_directory_auth_enabled = true
    password_auth_enabled         = true
    tenant_id                     = var.tenant_id
  }

  maintenance_window {
    day_of_week  = 0
    start_hour   = 3
    start_minute = 30
  }

  # A failover swaps the zones of the primary and the standby: not a change to undo.
  lifecycle {
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.this]
}

# TLS 1.2 or newer only; connections, checkpoints and slow statements logged.
locals {
  server_parameters = {
    require_secure_transport     = "on"
    ssl_min_protocol_version     = "TLSv1.2"
    log_connections              = "on"
    log_disconnections           = "on"
    log_checkpoints              = "on"
    "connection_throttle.enable" = "on"
    log_min_duration_statement   = tostring(var.slow_statement_ms)
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "primary" {
  for_each = local.server_parameters

  name      = each.key
  server_id = azurerm_postgresql_flexible_server.primary.id
  value     = each.value
}

# Asynchronous, in the third zone: it serves the reads that may lag and can be promoted.
resource "azurerm_postgresql_flexible_server" "replica" {
  #checkov:skip=CKV2_AZURE_57:Private access by VNet integration (a delegated subnet with no public address) instead of a private endpoint.
  #checkov:skip=CKV_AZURE_136:A replica has no backups of its own; the primary's are geo-redundant.
  name                          = "${var.name}-replica"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  create_mode                   = "Replica"
  source_server_id              = azurerm_postgresql_flexible_server.primary.id
  version                       = "15"
  sku_name                      = var.sku_name
  storage_mb                    = var.storage_mb
  auto_grow_enabled             = true
  zone                          = "3"
  delegated_subnet_id           = var.subnet_id
  private_dns_zone_id           = azurerm_private_dns_zone.this.id
  public_network_access_enabled = false

  depends_on = [azurerm_postgresql_flexible_server_configuration.primary]
}

resource "azurerm_key_vault_secret" "administrator_password" {
  #checkov:skip=CKV_AZURE_41:The password is rotated by replacing random_password.administrator; an expiry date would lock out migrations, not rotate anything.
  name         = "postgres-administrator-password"
  value        = random_password.administrator.result
  key_vault_id = var.key_vault_id
  content_type = "text/plain"
}
