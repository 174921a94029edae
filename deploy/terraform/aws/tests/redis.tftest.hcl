# The Redis module alone, planned against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "bolt-test"
  vpc_id                   = "vpc-test"
  subnet_ids               = ["subnet-a", "subnet-b", "subnet-c"]
  availability_zones       = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  client_security_group_id = "sg-cluster"
  node_type                = "cache.r7g.large"
  kms_key_arn              = "arn:aws:kms:eu-central-1:111122223333:key/redis"
  logs_kms_key_arn         = "arn:aws:kms:eu-central-1:111122223333:key/logs"
  log_retention_in_days    = 365
}

run "replicated_failover_tls_encrypted" {
  command = plan

  module {
    source = "./modules/redis"
  }

  assert {
    condition     = aws_elasticache_replication_group.this.multi_az_enabled && aws_elasticache_replication_group.this.automatic_failover_enabled
    error_message = "Redis must be Multi-AZ with automatic failover."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.num_cache_clusters == 3 && length(distinct(aws_elasticache_replication_group.this.preferred_cache_cluster_azs)) == 3
    error_message = "The primary and its two replicas must be in three zones."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.transit_encryption_enabled && aws_elasticache_replication_group.this.transit_encryption_mode == "required"
    error_message = "Redis must accept TLS connections only."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.at_rest_encryption_enabled && aws_elasticache_replication_group.this.kms_key_id == var.kms_key_arn
    error_message = "Redis data at rest must be encrypted with the KMS key."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.auth_token == aws_secretsmanager_secret_version.auth_token.secret_string && aws_secretsmanager_secret.auth_token.kms_key_id == var.kms_key_arn
    error_message = "The AUTH token must be the one kept, encrypted, in Secrets Manager."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.clients.referenced_security_group_id == var.client_security_group_id && aws_vpc_security_group_ingress_rule.clients.from_port == 6379
    error_message = "Only the cluster may reach Redis, on its port."
  }
}

run "refuses_a_single_node" {
  command = plan

  module {
    source = "./modules/redis"
  }

  variables {
    nodes = 1
  }

  expect_failures = [var.nodes]
}
