variable "name" {
  description = "The namespace's globally unique name."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the namespace."
  type        = string
}

variable "sku" {
  description = "Standard or Premium: the tiers with the Kafka endpoint (Basic has none)."
  type        = string

  validation {
    condition     = contains(["Standard", "Premium"], var.sku)
    error_message = "The Kafka endpoint needs the Standard or Premium tier."
  }
}

variable "capacity" {
  description = "Throughput units (Standard) or processing units (Premium)."
  type        = number
  default     = 2
}

variable "topic" {
  description = "The bookings hub (BOLT_KAFKA_TOPIC); its dead letters go to TOPIC.dlq."
  type        = string
}

variable "partition_count" {
  description = "Partitions of each hub (BOLT_KAFKA_PARTITIONS): the workers' parallelism. Fixed once created on Standard."
  type        = number

  validation {
    condition     = var.partition_count >= 1 && var.partition_count <= 32
    error_message = "partition_count is 1 to 32 (Standard's maximum)."
  }
}

variable "message_retention_days" {
  description = "Days a booking stays in its hub."
  type        = number
  default     = 7

  validation {
    condition     = var.message_retention_days >= 1 && var.message_retention_days <= 7
    error_message = "Standard keeps messages 1 to 7 days."
  }
}

variable "key_vault_id" {
  description = "The vault the application's connection string is kept in."
  type        = string
}
