# The application's secrets: access by Azure RBAC roles (never access policies), deletion
# recoverable for 90 days and never purgeable early, reachable only through its private
# endpoint.

resource "azurerm_key_vault" "this" {
  #checkov:skip=CKV2_AZURE_32:The vault's private endpoint is modules/private_endpoint, called by the root configuration; the graph check does not follow it across modules.
  name                          = var.name
  location                      = var.location
  resource_group_name           = var.resource_group_name
  tenant_id                     = var.tenant_id
  sku_name                      = "premium"
  enable_rbac_authorization     = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = 90
  public_network_access_enabled = false

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}

# Whoever applies writes the generated secrets (the PostgreSQL password, the Redis URL).
resource "azurerm_role_assignment" "deployer" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = var.deployer_object_id
}
