variable "alias" {
  description = "The key's alias, without the alias/ prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]+$", var.alias)) && !startswith(var.alias, "aws/")
    error_message = "The alias may hold letters, digits, /, _ and -, and may not start with aws/."
  }
}

variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "service_principals" {
  description = "AWS service principals allowed to use the key for the account, e.g. logs.REGION.amazonaws.com (REGION is replaced by the current region)."
  type        = list(string)
  default     = []
}

variable "deletion_window_in_days" {
  description = "Days a deleted key can still be restored: data encrypted with it is lost after."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "KMS accepts a deletion window of 7 to 30 days."
  }
}
