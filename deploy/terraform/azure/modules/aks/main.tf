# A private cluster signed in to with Entra ID only (Azure RBAC, no local accounts), its
# pods' traffic filtered by network policies, its logs and metrics in Azure Monitor, its
# workloads given Azure identities through OIDC federation. A system pool and an
# application pool, each autoscaled across the three zones.

locals {
  zones = ["1", "2", "3"]
}

# The control plane's own identity, so it can be granted the subnet before it exists.
resource "azurerm_user_assigned_identity" "control_plane" {
  name                = "${var.name}-control-plane"
  location            = var.location
  resource_group_name = var.resource_group_name
}

resource "azurerm_role_assignment" "control_plane_subnet" {
  scope                = var.subnet_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.control_plane.principal_id
}

resource "azurerm_kubernetes_cluster" "this" {
  #checkov:skip=CKV_AZURE_6:The API server has no public address at all (private cluster), so there is no public range to restrict.
  #checkov:skip=CKV_AZURE_117:Node disks are encrypted at rest and in the host (host_encryption_enabled); a customer-managed disk key is an option, not the baseline.
  name                      = var.name
  location                  = var.location
  resource_group_name       = var.resource_group_name
  dns_prefix                = var.name
  kubernetes_version        = var.kubernetes_version
  sku_tier                  = "Standard"
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"

  private_cluster_enabled           = true
  local_account_disabled            = true
  role_based_access_control_enabled = true
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  azure_policy_enabled              = true

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.control_plane.id]
  }

  azure_active_directory_role_based_access_control {
    tenant_id              = var.tenant_id
    azure_rbac_enabled     = true
    admin_group_object_ids = var.admin_group_object_ids
  }

  default_node_pool {
    name                         = "system"
    vm_size                      = var.system_node_size
    zones                        = local.zones
    vnet_subnet_id               = var.subnet_id
    auto_scaling_enabled         = true
    min_count                    = var.system_nodes.min
    max_count                    = var.system_nodes.max
    max_pods                     = 50
    os_disk_type                 = "Ephemeral"
    host_encryption_enabled      = true
    only_critical_addons_enabled = true
    temporary_name_for_rotation  = "systemtmp"

    upgrade_settings {
      max_surge = "33%"
    }
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = var.network_policy
    load_balancer_sku   = "standard"
    service_cidr        = "172.16.0.0/16"
    dns_service_ip      = "172.16.0.10"
  }

  oms_agent {
    log_analytics_workspace_id      = var.log_analytics_workspace_id
    msi_auth_for_monitoring_enabled = true
  }

  # The Secrets Store CSI driver: the chart mounts Key Vault secrets, re-read on rotation.
  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }

  depends_on = [azurerm_role_assignment.control_plane_subnet]
}

resource "azurerm_kubernetes_cluster_node_pool" "apps" {
  name                    = "apps"
  kubernetes_cluster_id   = azurerm_kubernetes_cluster.this.id
  mode                    = "User"
  vm_size                 = var.app_node_size
  zones                   = local.zones
  vnet_subnet_id          = var.subnet_id
  auto_scaling_enabled    = true
  min_count               = var.app_nodes.min
  max_count               = var.app_nodes.max
  max_pods                = 50
  os_disk_type            = "Ephemeral"
  host_encryption_enabled = true

  upgrade_settings {
    max_surge = "33%"
  }
}

# The control plane's own logs (API server, audit) beside the agent's container logs.
resource "azurerm_monitor_diagnostic_setting" "control_plane" {
  name                       = "control-plane"
  target_resource_id         = azurerm_kubernetes_cluster.this.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  dynamic "enabled_log" {
    for_each = ["kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "guard"]

    content {
      category = enabled_log.value
    }
  }
}
