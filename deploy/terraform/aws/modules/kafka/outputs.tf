output "bootstrap_brokers" {
  description = "host:port list of the brokers for TLS with IAM authentication (SASL OAUTHBEARER/AWS_MSK_IAM)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "cluster_arn" {
  description = "The cluster's ARN."
  value       = aws_msk_cluster.this.arn
}

output "cluster_uuid" {
  description = "The cluster's UUID, part of its topic and group ARNs."
  value       = aws_msk_cluster.this.cluster_uuid
}
