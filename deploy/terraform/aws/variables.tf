variable "region" {
  description = "AWS region of everything."
  type        = string
  default     = "eu-central-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region is an AWS region name such as eu-central-1."
  }
}

variable "availability_zones" {
  description = "Three zones of the region: nodes, database, cache and brokers span them all."
  type        = list(string)
  default     = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]

  validation {
    condition     = length(var.availability_zones) == 3 && length(distinct(var.availability_zones)) == 3
    error_message = "Exactly three distinct availability zones are needed."
  }

  validation {
    condition     = alltrue([for zone in var.availability_zones : startswith(zone, var.region)])
    error_message = "Every availability zone must be in var.region."
  }
}

variable "name" {
  description = "Name of the deployment: the prefix of every resource's name."
  type        = string
  default     = "bolttickets"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.name))
    error_message = "name is 2 to 20 lower-case letters, digits and -, starting with a letter."
  }
}

variable "environment" {
  description = "The environment (prod, staging, ...): part of every resource's name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment is 2 to 10 lower-case letters and digits, starting with a letter."
  }
}

variable "vpc_cidr_block" {
  description = "The VPC's IPv4 range (a /16)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "log_retention_in_days" {
  description = "Days every CloudWatch log group (control plane, flow logs, databases, brokers) is kept."
  type        = number
  default     = 365

  validation {
    condition     = contains([90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "Keep logs at least 90 days, in one of CloudWatch's retention periods."
  }
}

variable "kubernetes_version" {
  description = "EKS Kubernetes minor version."
  type        = string
  default     = "1.33"
}

variable "cluster_public_access_cidrs" {
  description = "Networks allowed to reach the Kubernetes API from the internet; empty (the default) keeps it private to the VPC."
  type        = list(string)
  default     = []
}

variable "cluster_admin_role_arns" {
  description = "IAM roles given cluster-admin (EKS access entries), besides the role that creates the cluster."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "EC2 instance types of the Kubernetes nodes, in order of preference."
  type        = list(string)
  default     = ["m7i.large"]
}

variable "nodes_per_zone" {
  description = "Autoscaling bounds of each zone's node group."
  type = object({
    min = number
    max = number
  })
  default = { min = 1, max = 5 }
}

variable "images" {
  description = "The images pushed to ECR, one repository each (namespaced by var.name)."
  type        = list(string)
  default     = ["api", "worker"]
}

variable "postgres_instance_class" {
  description = "RDS instance class of the PostgreSQL primary."
  type        = string
  default     = "db.r6g.large"
}

variable "postgres_replica_instance_class" {
  description = "RDS instance class of the PostgreSQL read replica."
  type        = string
  default     = "db.r6g.large"
}

variable "postgres_backup_retention_days" {
  description = "Days of automated backups: how far back point-in-time recovery reaches."
  type        = number
  default     = 14
}

variable "postgres_app_user" {
  description = "PostgreSQL role the application signs in as with IAM (create it with GRANT rds_iam)."
  type        = string
  default     = "bolttickets"
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "kafka_broker_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "kafka_topic" {
  description = "The bookings topic (BOLT_KAFKA_TOPIC)."
  type        = string
  default     = "ticket-bookings"
}

variable "kafka_partitions" {
  description = "Partitions of the bookings topic (BOLT_KAFKA_PARTITIONS): the workers' parallelism."
  type        = number
  default     = 6

  validation {
    condition     = var.kafka_partitions >= 1 && var.kafka_partitions <= 1000
    error_message = "kafka_partitions is 1 to 1000."
  }
}

variable "kafka_consumer_group" {
  description = "The workers' consumer group (BOLT_CONSUMER_GROUP)."
  type        = string
  default     = "booking-workers"
}

variable "app_namespace" {
  description = "Kubernetes namespace the Helm chart is installed in."
  type        = string
  default     = "bolttickets"
}

variable "app_service_account" {
  description = "The chart's ServiceAccount, the only one allowed to assume the application's role."
  type        = string
  default     = "bolttickets"
}
