variable "name" {
  description = "The workspace's name."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the workspace."
  type        = string
}

variable "retention_in_days" {
  description = "Days the logs are kept."
  type        = number

  validation {
    condition     = var.retention_in_days >= 90 && var.retention_in_days <= 730
    error_message = "Keep logs 90 to 730 days."
  }
}
