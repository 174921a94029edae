# Premium: the only tier with private endpoints, zone redundancy, content trust and
# retention. No admin user: the nodes pull with their identity, the pipeline pushes with
# its own (federated) identity.

resource "azurerm_container_registry" "this" {
  #checkov:skip=CKV_AZURE_165:One region is deployed; add georeplications with a second region.
  #checkov:skip=CKV_AZURE_163:Image scanning is Defender for Containers, a subscription plan rather than a registry setting (deploy/terraform/README.md).
  name                          = var.name
  location                      = var.location
  resource_group_name           = var.resource_group_name
  sku                           = "Premium"
  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = false
  network_rule_bypass_option    = "None"
  zone_redundancy_enabled       = true
  data_endpoint_enabled         = true
  export_policy_enabled         = false
  quarantine_policy_enabled     = true
  trust_policy_enabled          = true
  retention_policy_in_days      = var.untagged_retention_days
}
