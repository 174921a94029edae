variable "name" {
  description = "Prefix of the role's name."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider."
  type        = string
}

variable "oidc_issuer" {
  description = "The cluster's ServiceAccount token issuer URL."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the application's ServiceAccount."
  type        = string
}

variable "service_account" {
  description = "The application's ServiceAccount, the only one that may assume the role."
  type        = string
}

variable "postgres_resource_ids" {
  description = "Resource ids (db-...) of the PostgreSQL instances the application signs in to."
  type        = list(string)
}

variable "postgres_user" {
  description = "The PostgreSQL role the application signs in as with an IAM token (GRANT rds_iam TO it)."
  type        = string
}

variable "kafka_cluster_arn" {
  description = "The MSK cluster's ARN."
  type        = string
}

variable "kafka_cluster_name" {
  description = "The MSK cluster's name."
  type        = string
}

variable "kafka_cluster_uuid" {
  description = "The MSK cluster's UUID."
  type        = string
}

variable "kafka_topic" {
  description = "The bookings topic; its dead-letter topic shares the prefix."
  type        = string
}

variable "kafka_consumer_group" {
  description = "The workers' consumer group."
  type        = string
}

variable "readable_secret_arns" {
  description = "Secrets Manager secrets the pods read."
  type        = list(string)
}

variable "secrets_kms_key_arns" {
  description = "KMS keys those secrets are encrypted with."
  type        = list(string)
}
