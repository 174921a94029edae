output "bootstrap_brokers" {
  description = "host:port list of the brokers for TLS with SASL/SCRAM authentication (the application's)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "bootstrap_brokers_iam" {
  description = "host:port list of the brokers for TLS with IAM authentication (KEDA, operators' tools)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "scram_username" {
  description = "The application's SCRAM user (BOLT_KAFKA_SASL_USERNAME)."
  value       = var.scram_username
}

output "scram_secret_arn" {
  description = "Secrets Manager secret of the application's SCRAM login (JSON: username, password)."
  value       = aws_secretsmanager_secret.scram.arn
}

output "cluster_arn" {
  description = "The cluster's ARN."
  value       = aws_msk_cluster.this.arn
}

output "cluster_uuid" {
  description = "The cluster's UUID, part of its topic and group ARNs."
  value       = aws_msk_cluster.this.cluster_uuid
}
