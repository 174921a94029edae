# Everything the Helm chart and the pipeline need, and no secret: the pods read the Redis
# URL and the Event Hubs connection string from Key Vault, and sign in to PostgreSQL with
# their workload identity.

output "resource_group_name" {
  description = "The resource group of everything."
  value       = azurerm_resource_group.this.name
}

output "cluster_name" {
  description = "The AKS cluster (az aks get-credentials --resource-group ... --name ...)."
  value       = module.aks.cluster_name
}

output "acr_login_server" {
  description = "Where to push the images."
  value       = module.acr.login_server
}

output "app_client_id" {
  description = "The application's identity: annotate its ServiceAccount with azure.workload.identity/client-id."
  value       = module.app_identity.client_id
}

output "app_postgres_role" {
  description = "The PostgreSQL role to create for the application's identity (SELECT pgaadauth_create_principal(...))."
  value       = module.app_identity.principal_name
}

output "key_vault_name" {
  description = "The vault the chart's SecretProviderClass reads."
  value       = module.key_vault.name
}

output "postgres_host" {
  description = "Host name of the PostgreSQL primary (BOLT_DATABASE_URL, sslmode=verify-full)."
  value       = module.postgres.primary_fqdn
}

output "postgres_replica_host" {
  description = "Host name of the PostgreSQL read replica."
  value       = module.postgres.replica_fqdn
}

output "postgres_administrator_password_secret" {
  description = "Key Vault secret of the PostgreSQL administrator's password."
  value       = module.postgres.administrator_password_secret
}

output "redis_host" {
  description = "Host name of Redis (TLS on 6380)."
  value       = module.redis.hostname
}

output "redis_url_secret" {
  description = "Key Vault secret holding BOLT_REDIS_URL."
  value       = module.redis.url_secret
}

output "kafka_bootstrap" {
  description = "Event Hubs' Kafka endpoint (BOLT_KAFKA_BOOTSTRAP)."
  value       = module.event_hubs.kafka_bootstrap
}

output "kafka_password_secret" {
  description = "Key Vault secret holding BOLT_KAFKA_SASL_PASSWORD (the connection string of the application's Send+Listen rule; BOLT_KAFKA_SASL_USERNAME is $ConnectionString)."
  value       = module.event_hubs.kafka_password_secret
}
