provider "azurerm" {
  subscription_id = var.subscription_id

  features {
    key_vault {
      # Purge protection forbids it anyway: a destroyed vault stays recoverable.
      purge_soft_delete_on_destroy = false
    }
  }
}
