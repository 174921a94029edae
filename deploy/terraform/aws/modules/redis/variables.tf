variable "name" {
  description = "The replication group's id and the prefix of its resources' names."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of Redis's security group."
  type        = string
}

variable "subnet_ids" {
  description = "The isolated data subnets, one per zone."
  type        = list(string)
}

variable "availability_zones" {
  description = "The zones of subnet_ids: the primary in the first, replicas in the next."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "The only security group allowed to connect (the cluster's)."
  type        = string
}

variable "engine_version" {
  description = "Redis OSS engine version (7.x)."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.engine_version))
    error_message = "BoltTickets needs Redis 7 (its default.redis7 parameter group)."
  }
}

variable "node_type" {
  description = "Cache node type."
  type        = string
}

variable "nodes" {
  description = "Nodes of the replication group: a primary and its replicas, each in its own zone."
  type        = number
  default     = 3

  validation {
    condition     = var.nodes >= 2 && var.nodes <= 3
    error_message = "Automatic failover needs a replica (2 nodes); 3 zones hold at most 3."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots (the stock is rebuilt from PostgreSQL after a loss: these only speed that up)."
  type        = number
  default     = 7
}

variable "kms_key_arn" {
  description = "KMS key of the data at rest and the AUTH token secret."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key encrypting the slow and engine log groups."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the Redis logs are kept."
  type        = number
}
