variable "name" {
  description = "The cache's globally unique name."
  type        = string
}

variable "location" {
  description = "Azure region (with three availability zones)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the cache."
  type        = string
}

variable "capacity" {
  description = "Premium size: 1 (P1, 6 GB) to 5 (P5, 120 GB)."
  type        = number
  default     = 1

  validation {
    condition     = var.capacity >= 1 && var.capacity <= 5
    error_message = "Premium capacity is 1 to 5."
  }
}

variable "key_vault_id" {
  description = "Key Vault receiving the cache's URL."
  type        = string
}
