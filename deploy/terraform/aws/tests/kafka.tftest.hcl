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

run "three_brokers_tls_iam_durable" {
  command = plan

  module {
    source = "./modules/kafka"
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
    condition     = aws_msk_cluster.this.client_authentication[0].sasl[0].iam && !aws_msk_cluster.this.client_authentication[0].unauthenticated
    error_message = "Clients must authenticate with IAM; anonymous clients are refused."
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
    condition     = aws_vpc_security_group_ingress_rule.clients.referenced_security_group_id == var.client_security_group_id && aws_vpc_security_group_ingress_rule.clients.from_port == 9098
    error_message = "Only the cluster may reach the brokers, on the IAM port."
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
