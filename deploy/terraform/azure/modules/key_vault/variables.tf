variable "name" {
  description = "The vault's globally unique name (3 to 24 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.name))
    error_message = "A vault name is 3 to 24 letters, digits and -, starting with a letter."
  }
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the vault."
  type        = string
}

variable "tenant_id" {
  description = "Entra ID tenant of the vault."
  type        = string
}

variable "deployer_object_id" {
  description = "Object id of the identity running terraform apply, allowed to write secrets."
  type        = string
}
