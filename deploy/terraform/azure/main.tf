# BoltTickets on Azure: the network, the Kubernetes cluster, the image registry, the three
# services of the full stack (PostgreSQL, Redis, Kafka as Event Hubs) and the vault of the
# secrets, each reachable only from inside the VNet.

data "azurerm_client_config" "current" {}

locals {
  name = "${var.name}-${var.environment}"
  # Globally unique names (registry, vault, caches, namespaces) carry a suffix of the
  # subscription, so two subscriptions can deploy the same environment.
  unique = "${var.name}${var.environment}${substr(replace(var.subscription_id, "-", ""), 0, 6)}"

  # The privatelink zone in which each service's endpoint is resolved (Azure's public cloud).
  private_dns_zones = {
    key_vault  = "privatelink.vaultcore.azure.net"
    acr        = "privatelink.azurecr.io"
    redis      = "privatelink.redis.cache.windows.net"
    event_hubs = "privatelink.servicebus.windows.net"
  }
}

resource "azurerm_resource_group" "this" {
  name     = local.name
  location = var.location
}

module "network" {
  source = "./modules/network"

  name                = local.name
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = var.vnet_address_space
}

module "monitoring" {
  source = "./modules/monitoring"

  name                = local.name
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  retention_in_days   = var.log_retention_in_days
}

module "aks" {
  source = "./modules/aks"

  name                       = local.name
  location                   = var.location
  resource_group_name        = azurerm_resource_group.this.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  admin_group_object_ids     = var.cluster_admin_group_object_ids
  kubernetes_version         = var.kubernetes_version
  subnet_id                  = module.network.nodes_subnet_id
  network_policy             = var.network_policy
  log_analytics_workspace_id = module.monitoring.workspace_id
  system_node_size           = var.system_node_size
  system_nodes               = var.system_nodes
  app_node_size              = var.app_node_size
  app_nodes                  = var.app_nodes
}

module "acr" {
  source = "./modules/acr"

  name                = local.unique
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
}

# The nodes pull the images with their own identity: no registry password anywhere.
resource "azurerm_role_assignment" "nodes_pull_images" {
  scope                = module.acr.id
  role_definition_name = "AcrPull"
  principal_id         = module.aks.kubelet_object_id
}

module "key_vault" {
  source = "./modules/key_vault"

  name                = substr(local.unique, 0, 24)
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  deployer_object_id  = data.azurerm_client_config.current.object_id
}

module "postgres" {
  source = "./modules/postgres"

  name                  = local.unique
  location              = var.location
  resource_group_name   = azurerm_resource_group.this.name
  tenant_id             = data.azurerm_client_config.current.tenant_id
  vnet_id               = module.network.vnet_id
  subnet_id             = module.network.postgres_subnet_id
  sku_name              = var.postgres_sku_name
  backup_retention_days = var.postgres_backup_retention_days
  key_vault_id          = module.key_vault.id
}

module "redis" {
  source = "./modules/redis"

  name                = local.unique
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  capacity            = var.redis_capacity
  key_vault_id        = module.key_vault.id
}

module "event_hubs" {
  source = "./modules/event_hubs"

  name                = local.unique
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = var.event_hubs_sku
  topic               = var.kafka_topic
  partition_count     = var.kafka_partitions
  key_vault_id        = module.key_vault.id
}

# Each data service at a private address of the endpoints subnet, under its usual name.
module "private_endpoint" {
  source = "./modules/private_endpoint"
  for_each = {
    key_vault  = { resource_id = module.key_vault.id, subresource = "vault" }
    acr        = { resource_id = module.acr.id, subresource = "registry" }
    redis      = { resource_id = module.redis.id, subresource = "redisCache" }
    event_hubs = { resource_id = module.event_hubs.namespace_id, subresource = "namespace" }
  }

  name                = "${local.name}-${replace(each.key, "_", "-")}"
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = module.network.endpoints_subnet_id
  vnet_id             = module.network.vnet_id
  resource_id         = each.value.resource_id
  subresource_name    = each.value.subresource
  dns_zone_name       = local.private_dns_zones[each.key]
}

module "app_identity" {
  source = "./modules/app_identity"

  name                    = local.name
  location                = var.location
  resource_group_name     = azurerm_resource_group.this.name
  oidc_issuer_url         = module.aks.oidc_issuer_url
  namespace               = var.app_namespace
  service_account         = var.app_service_account
  key_vault_id            = module.key_vault.id
  event_hubs_namespace_id = module.event_hubs.namespace_id
}
