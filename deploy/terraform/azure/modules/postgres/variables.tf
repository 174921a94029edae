variable "name" {
  description = "Prefix of the servers' names (globally unique) and the private DNS zone."
  type        = string
}

variable "location" {
  description = "Azure region (with three availability zones)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the servers."
  type        = string
}

variable "tenant_id" {
  description = "Entra ID tenant of the identities that sign in."
  type        = string
}

variable "vnet_id" {
  description = "The VNet that resolves the servers' private names."
  type        = string
}

variable "subnet_id" {
  description = "Subnet delegated to PostgreSQL Flexible Server."
  type        = string
}

variable "sku_name" {
  description = "Compute of each server (GP_ or MO_ tier: Burstable has no high availability)."
  type        = string

  validation {
    condition     = can(regex("^(GP|MO)_", var.sku_name))
    error_message = "Zone-redundant HA needs a General Purpose (GP_) or Memory Optimized (MO_) SKU."
  }
}

variable "storage_mb" {
  description = "Storage of each server, in MiB (it grows automatically)."
  type        = number
  default     = 131072
}

variable "administrator_login" {
  description = "The administrator's name; its generated password is kept in Key Vault."
  type        = string
  default     = "bolt_admin"
}

variable "backup_retention_days" {
  description = "Days of backups: the window of point-in-time restore."
  type        = number

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "Keep 7 to 35 days of backups (35 is the service's maximum)."
  }
}

variable "slow_statement_ms" {
  description = "Statements slower than this many milliseconds are logged."
  type        = number
  default     = 500
}

variable "key_vault_id" {
  description = "Key Vault receiving the administrator's password."
  type        = string
}
