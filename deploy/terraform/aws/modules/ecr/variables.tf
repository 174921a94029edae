variable "namespace" {
  description = "Prefix of the repositories' names (namespace/image)."
  type        = string
}

variable "repositories" {
  description = "The images, one repository each."
  type        = list(string)

  validation {
    condition     = alltrue([for name in var.repositories : can(regex("^[a-z0-9]+([._-][a-z0-9]+)*$", name))])
    error_message = "Repository names are lower-case letters and digits separated by ., _ or -."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the images."
  type        = string
}

variable "images_kept" {
  description = "Tagged images kept per repository; older ones expire."
  type        = number
  default     = 50

  validation {
    condition     = var.images_kept >= 10
    error_message = "Keep at least 10 images, enough to roll back."
  }
}
