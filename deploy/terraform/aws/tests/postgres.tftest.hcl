# The PostgreSQL module alone, planned against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "bolt-test"
  vpc_id                   = "vpc-test"
  subnet_ids               = ["subnet-a", "subnet-b", "subnet-c"]
  client_security_group_id = "sg-cluster"
  instance_class           = "db.r6g.large"
  replica_instance_class   = "db.r6g.large"
  backup_retention_days    = 14
  kms_key_arn              = "arn:aws:kms:eu-central-1:111122223333:key/postgres"
  logs_kms_key_arn         = "arn:aws:kms:eu-central-1:111122223333:key/logs"
  log_retention_in_days    = 365
}

run "multi_az_encrypted_recoverable_replicated" {
  command = plan

  module {
    source = "./modules/postgres"
  }

  assert {
    condition     = aws_db_instance.primary.engine == "postgres" && startswith(aws_db_instance.primary.engine_version, "15")
    error_message = "The database must be PostgreSQL 15."
  }

  assert {
    condition     = aws_db_instance.primary.multi_az
    error_message = "The primary must be Multi-AZ."
  }

  assert {
    condition     = aws_db_instance.primary.backup_retention_period == 14 && !aws_db_instance.primary.skip_final_snapshot
    error_message = "Automated backups (point-in-time recovery) must be kept, and a final snapshot taken."
  }

  assert {
    condition     = aws_db_instance.primary.storage_encrypted && aws_db_instance.primary.kms_key_id == var.kms_key_arn
    error_message = "The storage must be encrypted with the KMS key."
  }

  assert {
    condition     = aws_db_instance.replica.replicate_source_db == aws_db_instance.primary.identifier && aws_db_instance.replica.storage_encrypted
    error_message = "An encrypted read replica of the primary must exist."
  }

  assert {
    condition     = aws_db_instance.primary.deletion_protection && aws_db_instance.replica.deletion_protection
    error_message = "Both instances must be protected from deletion."
  }

  assert {
    condition     = aws_db_instance.primary.iam_database_authentication_enabled && aws_db_instance.primary.manage_master_user_password
    error_message = "IAM sign-in must be on, and the master password generated and rotated by RDS in Secrets Manager."
  }

  assert {
    condition     = contains([for p in aws_db_parameter_group.this.parameter : "${p.name}=${p.value}"], "rds.force_ssl=1")
    error_message = "The parameter group must refuse connections without TLS."
  }

  assert {
    condition     = aws_db_instance.primary.performance_insights_enabled && aws_db_instance.primary.performance_insights_kms_key_id == var.kms_key_arn
    error_message = "Performance Insights must be on, encrypted with the KMS key."
  }

  assert {
    condition     = !aws_db_instance.primary.publicly_accessible && aws_vpc_security_group_ingress_rule.clients.referenced_security_group_id == var.client_security_group_id && aws_vpc_security_group_ingress_rule.clients.from_port == 5432
    error_message = "Only the cluster may reach PostgreSQL, on its port."
  }
}

run "refuses_short_backup_retention" {
  command = plan

  module {
    source = "./modules/postgres"
  }

  variables {
    backup_retention_days = 1
  }

  expect_failures = [var.backup_retention_days]
}
