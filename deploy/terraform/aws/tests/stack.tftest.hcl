# The whole AWS configuration, planned against a mocked AWS provider: the modules wired
# together as `terraform apply` would create them.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment = "test"
}

run "plans_the_whole_stack" {
  command = plan

  assert {
    condition     = length(module.network.node_subnet_ids) == 3 && length(module.network.data_subnet_ids) == 3
    error_message = "The stack must span three zones."
  }

  assert {
    condition     = keys(module.ecr.repository_urls) == ["api", "worker"]
    error_message = "Both images need a repository."
  }

  assert {
    condition     = length(module.kms) == 6
    error_message = "Each service needs its own KMS key."
  }
}

run "refuses_zones_of_another_region" {
  command = plan

  variables {
    availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
  }

  expect_failures = [var.availability_zones]
}
