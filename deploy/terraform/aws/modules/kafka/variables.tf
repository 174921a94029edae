variable "name" {
  description = "The cluster's name and the prefix of its resources' names."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the brokers' security group."
  type        = string
}

variable "subnet_ids" {
  description = "The isolated data subnets: one broker in each."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) == 3
    error_message = "Three brokers in three zones: min.insync.replicas=2 then survives a zone."
  }
}

variable "client_security_group_id" {
  description = "The only security group allowed to connect (the cluster's)."
  type        = string
}

variable "kafka_version" {
  description = "Apache Kafka version of the brokers."
  type        = string
  default     = "3.6.0"
}

variable "broker_instance_type" {
  description = "Broker instance type (kafka.m7g.large, ...)."
  type        = string

  validation {
    condition     = startswith(var.broker_instance_type, "kafka.")
    error_message = "MSK instance types start with kafka."
  }
}

variable "broker_volume_size_gb" {
  description = "EBS storage of each broker, in GiB."
  type        = number
  default     = 100
}

variable "default_partitions" {
  description = "Partitions of a topic created without a count (BoltTickets creates its own with BOLT_KAFKA_PARTITIONS)."
  type        = number
  default     = 6
}

variable "kms_key_arn" {
  description = "KMS key of the brokers' storage and of the SCRAM secret (MSK refuses the default key)."
  type        = string
}

variable "scram_username" {
  description = "The application's SASL/SCRAM user (BOLT_KAFKA_SASL_USERNAME)."
  type        = string
  default     = "bolttickets"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.scram_username))
    error_message = "scram_username is 1 to 64 letters, digits, _ or -."
  }
}

variable "logs_kms_key_arn" {
  description = "KMS key encrypting the broker log group."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the broker logs are kept."
  type        = number
}
