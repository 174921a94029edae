variable "subscription_id" {
  description = "The Azure subscription deployed to."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.subscription_id))
    error_message = "subscription_id is a subscription GUID."
  }
}

variable "location" {
  description = "Azure region, one with three availability zones."
  type        = string
  default     = "westeurope"
}

variable "name" {
  description = "Name of the deployment: the prefix of every resource's name."
  type        = string
  default     = "bolttickets"

  validation {
    # The registry's and the vault's names join name, environment and 6 characters of the
    # subscription, alphanumeric and at most 24 characters long.
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.name))
    error_message = "name is 2 to 12 lower-case letters and digits, starting with a letter."
  }
}

variable "environment" {
  description = "The environment (prod, staging, ...): part of every resource's name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,5}$", var.environment))
    error_message = "environment is 2 to 6 lower-case letters and digits, starting with a letter."
  }
}

variable "vnet_address_space" {
  description = "The VNet's IPv4 range (a /16)."
  type        = string
  default     = "10.50.0.0/16"
}

variable "log_retention_in_days" {
  description = "Days the Log Analytics workspace keeps logs."
  type        = number
  default     = 365
}

variable "kubernetes_version" {
  description = "AKS Kubernetes minor version."
  type        = string
  default     = "1.33"
}

variable "cluster_admin_group_object_ids" {
  description = "Entra ID groups given cluster-admin (local accounts are disabled)."
  type        = list(string)
}

variable "network_policy" {
  description = "Network policy engine: azure or calico."
  type        = string
  default     = "azure"
}

variable "system_node_size" {
  description = "VM size of the system node pool."
  type        = string
  default     = "Standard_D4ds_v5"
}

variable "system_nodes" {
  description = "Autoscaling bounds of the system node pool."
  type = object({
    min = number
    max = number
  })
  default = { min = 3, max = 6 }
}

variable "app_node_size" {
  description = "VM size of the application node pool."
  type        = string
  default     = "Standard_D8ds_v5"
}

variable "app_nodes" {
  description = "Autoscaling bounds of the application node pool."
  type = object({
    min = number
    max = number
  })
  default = { min = 3, max = 15 }
}

variable "postgres_sku_name" {
  description = "PostgreSQL Flexible Server compute."
  type        = string
  default     = "GP_Standard_D4ds_v5"
}

variable "postgres_backup_retention_days" {
  description = "Days of PostgreSQL backups (point-in-time restore window)."
  type        = number
  default     = 14
}

variable "redis_capacity" {
  description = "Azure Cache for Redis Premium size (1 to 5)."
  type        = number
  default     = 1
}

variable "event_hubs_sku" {
  description = "Event Hubs tier with the Kafka endpoint: Standard or Premium."
  type        = string
  default     = "Standard"
}

variable "kafka_topic" {
  description = "The bookings hub (BOLT_KAFKA_TOPIC)."
  type        = string
  default     = "ticket-bookings"
}

variable "kafka_partitions" {
  description = "Partitions of the bookings hub (BOLT_KAFKA_PARTITIONS)."
  type        = number
  default     = 6
}

variable "app_namespace" {
  description = "Kubernetes namespace the Helm chart is installed in."
  type        = string
  default     = "bolttickets"
}

variable "app_service_account" {
  description = "The chart's ServiceAccount, the only one federated with the application's identity."
  type        = string
  default     = "bolttickets"
}
