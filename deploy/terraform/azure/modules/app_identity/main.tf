# The Azure identity of the BoltTickets pods (workload identity): the cluster's OIDC issuer
# vouches for their ServiceAccount, and Entra ID trusts it for exactly that ServiceAccount.
# The identity reads the vault's secrets and sends to and receives from the hubs. Nothing
# else.

resource "azurerm_user_assigned_identity" "this" {
  name                = "${var.name}-app"
  location            = var.location
  resource_group_name = var.resource_group_name
}

resource "azurerm_federated_identity_credential" "this" {
  name                = "${var.name}-${var.namespace}-${var.service_account}"
  resource_group_name = var.resource_group_name
  parent_id           = azurerm_user_assigned_identity.this.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = var.oidc_issuer_url
  subject             = "system:serviceaccount:${var.namespace}:${var.service_account}"
}

resource "azurerm_role_assignment" "this" {
  for_each = {
    secrets  = { scope = var.key_vault_id, role = "Key Vault Secrets User" }
    sender   = { scope = var.event_hubs_namespace_id, role = "Azure Event Hubs Data Sender" }
    receiver = { scope = var.event_hubs_namespace_id, role = "Azure Event Hubs Data Receiver" }
  }

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.this.principal_id
}
