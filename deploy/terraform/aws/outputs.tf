# Everything the Helm chart and the pipeline need, and no secret: the pods read the Redis
# token and the Kafka SCRAM login from Secrets Manager, and sign in to PostgreSQL with their
# IAM role.

output "cluster_name" {
  description = "The EKS cluster (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "The Kubernetes API server's URL (private unless cluster_public_access_cidrs is set)."
  value       = module.eks.cluster_endpoint
}

output "ecr_repository_urls" {
  description = "Where to push each image, by image name."
  value       = module.ecr.repository_urls
}

output "app_role_arn" {
  description = "The application's IAM role: annotate its ServiceAccount with eks.amazonaws.com/role-arn."
  value       = module.app_identity.role_arn
}

output "postgres_endpoint" {
  description = "host:port of the PostgreSQL primary (BOLT_DATABASE_URL, sslmode=verify-full)."
  value       = module.postgres.primary_endpoint
}

output "postgres_replica_endpoint" {
  description = "host:port of the PostgreSQL read replica."
  value       = module.postgres.replica_endpoint
}

output "postgres_database" {
  description = "The application's database name."
  value       = module.postgres.database_name
}

output "postgres_master_secret_arn" {
  description = "Secrets Manager secret of the rotated master password (migrations, break-glass)."
  value       = module.postgres.master_user_secret_arn
}

output "redis_endpoint" {
  description = "Host name of the Redis primary (BOLT_REDIS_URL=rediss://:TOKEN@HOST:6379)."
  value       = module.redis.primary_endpoint
}

output "redis_auth_token_secret_arn" {
  description = "Secrets Manager secret of the Redis AUTH token."
  value       = module.redis.auth_token_secret_arn
}

output "kafka_bootstrap_brokers" {
  description = "Brokers for TLS with SASL/SCRAM (BOLT_KAFKA_BOOTSTRAP, BOLT_KAFKA_SECURITY_PROTOCOL=SASL_SSL, BOLT_KAFKA_SASL_MECHANISM=SCRAM-SHA-512)."
  value       = module.kafka.bootstrap_brokers
}

output "kafka_bootstrap_brokers_iam" {
  description = "Brokers for TLS with IAM authentication (KEDA's Kafka scaler, operators' tools)."
  value       = module.kafka.bootstrap_brokers_iam
}

output "kafka_scram_username" {
  description = "The application's Kafka SCRAM user (BOLT_KAFKA_SASL_USERNAME)."
  value       = module.kafka.scram_username
}

output "kafka_scram_secret_arn" {
  description = "Secrets Manager secret of the Kafka SCRAM login; its password is BOLT_KAFKA_SASL_PASSWORD."
  value       = module.kafka.scram_secret_arn
}
