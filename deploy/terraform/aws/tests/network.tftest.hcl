# The network module alone, planned against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                  = "bolt-test"
  cidr_block            = "10.40.0.0/16"
  availability_zones    = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  logs_kms_key_arn      = "arn:aws:kms:eu-central-1:111122223333:key/logs"
  log_retention_in_days = 365
}

run "three_zones_three_tiers" {
  command = plan

  module {
    source = "./modules/network"
  }

  assert {
    condition     = toset([for subnet in aws_subnet.nodes : subnet.availability_zone]) == toset(var.availability_zones)
    error_message = "The node subnets must cover the three zones."
  }

  assert {
    condition     = toset([for subnet in aws_subnet.data : subnet.availability_zone]) == toset(var.availability_zones)
    error_message = "The data subnets must cover the three zones."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3
    error_message = "Each zone needs its own NAT gateway, or losing one zone cuts the others' egress."
  }

  assert {
    condition     = length(aws_route_table.data.route) == 0
    error_message = "The data subnets must have no route out of the VPC."
  }

  assert {
    condition     = alltrue([for subnet in aws_subnet.public : !subnet.map_public_ip_on_launch])
    error_message = "Nothing launched in a public subnet may get a public address by default."
  }

  assert {
    condition     = length(distinct(concat([for s in aws_subnet.nodes : s.cidr_block], [for s in aws_subnet.data : s.cidr_block], [for s in aws_subnet.public : s.cidr_block]))) == 9
    error_message = "The nine subnets must not share a range."
  }

  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL" && aws_cloudwatch_log_group.flow_logs.kms_key_id == var.logs_kms_key_arn
    error_message = "Every flow must be logged to a KMS-encrypted log group."
  }

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The default security group must allow nothing."
  }
}

run "refuses_two_zones" {
  command = plan

  module {
    source = "./modules/network"
  }

  variables {
    availability_zones = ["eu-central-1a", "eu-central-1b"]
  }

  expect_failures = [var.availability_zones]
}
