# The Kafka (MSK) module alone, planned against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "bolt-test"
  vpc_id                   = "vpc-test"
  subnet_ids               = ["subnet-a", "subnet-b", "subnet-c"]
  client_security_group_id = "sg-cluster"
  broker_instance_type     = "kafka.m7g.large"
  kms_key_arn              = "arn:aws:kms:eu-central-1:111122223333:key/kafka"
  logs_kms_key_arn         = "arn:aws:kms:eu-central-1:111122223333:key/logs"
  log_retention_in_days    = 365
}

run "three_brokers_tls_scram_durable" {
  command = plan

  module {
    source = "./modules/kafka"
  }

  # Known at plan time, so that the association can be compared with it.
  override_resource {
    target          = aws_secretsmanager_secret.scram
    override_during = plan
    values = {
      arn = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:AmazonMSK_bolt-test-bolttickets-AbCdEf"
    }
  }

  assert {
    condition     = aws_msk_cluster.this.number_of_broker_nodes == 3 && length(aws_msk_cluster.this.broker_node_group_info[0].client_subnets) == 3
    error_message = "Three brokers, one in each zone's subnet."
  }

  assert {
    condition     = aws_msk_cluster.this.encryption_info[0].encryption_in_transit[0].client_broker == "TLS" && aws_msk_cluster.this.encryption_info[0].encryption_in_transit[0].in_cluster
    error_message = "Clients and brokers must talk TLS only."
  }

  assert {
    condition     = aws_msk_cluster.this.encryption_info[0].encryption_at_rest_kms_key_arn == var.kms_key_arn
    error_message = "Broker storage must be encrypted with the KMS key."
  }

  assert {
    condition     = aws_msk_cluster.this.client_authentication[0].sasl[0].scram && aws_msk_cluster.this.client_authentication[0].sasl[0].iam && !aws_msk_cluster.this.client_authentication[0].unauthenticated
    error_message = "Clients must authenticate with SCRAM (the application) or IAM (KEDA, tools); anonymous clients are refused."
  }

  assert {
    condition     = startswith(aws_secretsmanager_secret.scram.name, "AmazonMSK_") && aws_secretsmanager_secret.scram.kms_key_id == var.kms_key_arn
    error_message = "MSK reads only a SCRAM secret named AmazonMSK_* and encrypted with a customer managed key."
  }

  assert {
    condition     = jsondecode(aws_secretsmanager_secret_version.scram.secret_string).username == var.scram_username && length(jsondecode(aws_secretsmanager_secret_version.scram.secret_string).password) > 0
    error_message = "The SCRAM secret holds the application's username and a generated password."
  }

  assert {
    condition     = aws_msk_scram_secret_association.this.secret_arn_list == toset([aws_secretsmanager_secret.scram.arn])
    error_message = "The SCRAM secret must be associated with the cluster, and only it."
  }

  assert {
    condition     = strcontains(aws_msk_configuration.this.server_properties, "auto.create.topics.enable=false")
    error_message = "Topics must never be created by a client's typo."
  }

  assert {
    condition     = strcontains(aws_msk_configuration.this.server_properties, "min.insync.replicas=2")
    error_message = "An acknowledged booking must be on two brokers."
  }

  assert {
    condition     = alltrue([for rule in aws_vpc_security_group_ingress_rule.clients : rule.referenced_security_group_id == var.client_security_group_id && rule.from_port == rule.to_port])
    error_message = "Only the cluster may reach the brokers, each rule on one port."
  }

  assert {
    condition     = toset([for rule in aws_vpc_security_group_ingress_rule.clients : rule.from_port]) == toset([9096, 9098])
    error_message = "The brokers are reached on the SCRAM (9096) and IAM (9098) ports only."
  }
}

run "refuses_two_brokers" {
  command = plan

  module {
    source = "./modules/kafka"
  }

  variables {
    subnet_ids = ["subnet-a", "subnet-b"]
  }

  expect_failures = [var.subnet_ids]
}
