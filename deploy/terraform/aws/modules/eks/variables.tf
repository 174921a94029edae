variable "name" {
  description = "The cluster's name and the prefix of its roles."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and the nodes, e.g. 1.33."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version is a minor version such as 1.33."
  }
}

variable "availability_zones" {
  description = "The zones of subnet_ids, in the same order: one node group each."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 3
    error_message = "The nodes span exactly three availability zones."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the nodes and the control plane's interfaces, one per zone."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) == 3
    error_message = "One node subnet per zone: three."
  }
}

variable "public_access_cidrs" {
  description = "Networks allowed to reach the API server from the internet; empty keeps the endpoint private (reach it from the VPC, a VPN or a bastion)."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "The API server is never opened to the whole internet."
  }
}

variable "admin_role_arns" {
  description = "IAM roles given cluster-admin through EKS access entries (besides the creator)."
  type        = list(string)
  default     = []
}

variable "secrets_kms_key_arn" {
  description = "KMS key for the envelope encryption of Kubernetes Secrets."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key encrypting the control-plane log group."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the control-plane logs are kept."
  type        = number
}

variable "node_instance_types" {
  description = "EC2 instance types of the nodes, in order of preference."
  type        = list(string)

  validation {
    condition     = length(var.node_instance_types) > 0
    error_message = "At least one instance type is needed."
  }
}

variable "nodes_per_zone" {
  description = "The autoscaling bounds of each zone's node group."
  type = object({
    min = number
    max = number
  })

  validation {
    condition     = var.nodes_per_zone.min >= 1 && var.nodes_per_zone.max >= var.nodes_per_zone.min
    error_message = "Each zone keeps at least one node, and max is at least min."
  }
}

variable "node_disk_size_gb" {
  description = "Root volume size of each node, in GiB (images and logs)."
  type        = number
  default     = 50
}
