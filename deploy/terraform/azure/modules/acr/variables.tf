variable "name" {
  description = "The registry's globally unique name (alphanumeric)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.name))
    error_message = "A registry name is 5 to 50 letters and digits."
  }
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the registry."
  type        = string
}

variable "untagged_retention_days" {
  description = "Days an untagged manifest is kept before it is deleted."
  type        = number
  default     = 7
}
