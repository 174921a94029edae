# BoltTickets on AWS: the network, the Kubernetes cluster, the image registry and the three
# services of the full stack (PostgreSQL, Redis, Kafka), each encrypted with its own key,
# logging into its own encrypted log groups, reachable only from the cluster.

locals {
  name = "${var.name}-${var.environment}"

  # One key per service (modules/kms_key), and the AWS services allowed to use it.
  kms_keys = {
    logs     = { description = "BoltTickets ${var.environment}: CloudWatch log groups", service_principals = ["logs.REGION.amazonaws.com"] }
    eks      = { description = "BoltTickets ${var.environment}: Kubernetes Secrets", service_principals = [] }
    ecr      = { description = "BoltTickets ${var.environment}: container images", service_principals = [] }
    postgres = { description = "BoltTickets ${var.environment}: PostgreSQL storage, backups and master secret", service_principals = [] }
    redis    = { description = "BoltTickets ${var.environment}: Redis data and AUTH token", service_principals = [] }
    kafka    = { description = "BoltTickets ${var.environment}: Kafka broker storage and SCRAM login", service_principals = [] }
  }
}

module "kms" {
  source   = "./modules/kms_key"
  for_each = local.kms_keys

  alias              = "${local.name}/${each.key}"
  description        = each.value.description
  service_principals = each.value.service_principals
}

module "network" {
  source = "./modules/network"

  name                  = local.name
  cidr_block            = var.vpc_cidr_block
  availability_zones    = var.availability_zones
  logs_kms_key_arn      = module.kms["logs"].arn
  log_retention_in_days = var.log_retention_in_days
}

module "eks" {
  source = "./modules/eks"

  name                  = local.name
  kubernetes_version    = var.kubernetes_version
  availability_zones    = var.availability_zones
  subnet_ids            = module.network.node_subnet_ids
  public_access_cidrs   = var.cluster_public_access_cidrs
  admin_role_arns       = var.cluster_admin_role_arns
  secrets_kms_key_arn   = module.kms["eks"].arn
  logs_kms_key_arn      = module.kms["logs"].arn
  log_retention_in_days = var.log_retention_in_days
  node_instance_types   = var.node_instance_types
  nodes_per_zone        = var.nodes_per_zone
}

module "ecr" {
  source = "./modules/ecr"

  namespace    = var.name
  repositories = var.images
  kms_key_arn  = module.kms["ecr"].arn
}

module "postgres" {
  source = "./modules/postgres"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.eks.cluster_security_group_id
  instance_class           = var.postgres_instance_class
  replica_instance_class   = var.postgres_replica_instance_class
  backup_retention_days    = var.postgres_backup_retention_days
  kms_key_arn              = module.kms["postgres"].arn
  logs_kms_key_arn         = module.kms["logs"].arn
  log_retention_in_days    = var.log_retention_in_days
}

module "redis" {
  source = "./modules/redis"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  availability_zones       = var.availability_zones
  client_security_group_id = module.eks.cluster_security_group_id
  node_type                = var.redis_node_type
  kms_key_arn              = module.kms["redis"].arn
  logs_kms_key_arn         = module.kms["logs"].arn
  log_retention_in_days    = var.log_retention_in_days
}

module "kafka" {
  source = "./modules/kafka"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.eks.cluster_security_group_id
  broker_instance_type     = var.kafka_broker_instance_type
  default_partitions       = var.kafka_partitions
  kms_key_arn              = module.kms["kafka"].arn
  logs_kms_key_arn         = module.kms["logs"].arn
  log_retention_in_days    = var.log_retention_in_days
}

module "app_identity" {
  source = "./modules/app_identity"

  name                  = local.name
  oidc_provider_arn     = module.eks.oidc_provider_arn
  oidc_issuer           = module.eks.oidc_issuer
  namespace             = var.app_namespace
  service_account       = var.app_service_account
  postgres_resource_ids = module.postgres.instance_resource_ids
  postgres_user         = var.postgres_app_user
  kafka_cluster_arn     = module.kafka.cluster_arn
  kafka_cluster_name    = local.name
  kafka_cluster_uuid    = module.kafka.cluster_uuid
  kafka_topic           = var.kafka_topic
  kafka_consumer_group  = var.kafka_consumer_group
  readable_secret_arns  = [module.redis.auth_token_secret_arn, module.kafka.scram_secret_arn]
  secrets_kms_key_arns  = [module.kms["redis"].arn, module.kms["kafka"].arn]
}
