variable "name" {
  description = "Prefix of the instances' identifiers and their resources' names."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the database's security group."
  type        = string
}

variable "subnet_ids" {
  description = "The isolated data subnets, one per zone."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Multi-AZ needs subnets in at least two zones."
  }
}

variable "client_security_group_id" {
  description = "The only security group allowed to connect (the cluster's)."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL version: the major version 15, optionally a minor (15.10)."
  type        = string
  default     = "15"

  validation {
    condition     = can(regex("^15(\\.[0-9]+)?$", var.engine_version))
    error_message = "BoltTickets runs on PostgreSQL 15."
  }
}

variable "instance_class" {
  description = "Instance class of the primary (and its Multi-AZ standby)."
  type        = string
}

variable "replica_instance_class" {
  description = "Instance class of the read replica."
  type        = string
}

variable "database_name" {
  description = "The database created on the instance."
  type        = string
  default     = "bolttickets"
}

variable "master_username" {
  description = "The master user's name; its password is generated and rotated by RDS in Secrets Manager."
  type        = string
  default     = "bolt_admin"
}

variable "allocated_storage_gb" {
  description = "Initial storage, in GiB."
  type        = number
  default     = 100
}

variable "max_allocated_storage_gb" {
  description = "The ceiling storage autoscaling may grow to, in GiB."
  type        = number
  default     = 1000
}

variable "backup_retention_days" {
  description = "Days of automated backups: the window of point-in-time recovery."
  type        = number

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "Keep 7 to 35 days of backups (35 is RDS's maximum)."
  }
}

variable "slow_statement_ms" {
  description = "Statements slower than this many milliseconds are logged."
  type        = number
  default     = 500
}

variable "kms_key_arn" {
  description = "KMS key of the storage, the master secret and Performance Insights."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key encrypting the exported log groups."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the exported PostgreSQL logs are kept."
  type        = number
}
