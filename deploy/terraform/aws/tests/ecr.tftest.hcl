# The ECR module alone, planned against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  namespace    = "bolttickets"
  repositories = ["api", "worker"]
  kms_key_arn  = "arn:aws:kms:eu-central-1:111122223333:key/ecr"
}

run "immutable_scanned_encrypted" {
  command = plan

  module {
    source = "./modules/ecr"
  }

  assert {
    condition     = keys(aws_ecr_repository.this) == ["api", "worker"] && aws_ecr_repository.this["api"].name == "bolttickets/api"
    error_message = "One repository per image, under the namespace."
  }

  assert {
    condition     = alltrue([for repository in aws_ecr_repository.this : repository.image_tag_mutability == "IMMUTABLE"])
    error_message = "Tags must be immutable."
  }

  assert {
    condition     = alltrue([for repository in aws_ecr_repository.this : repository.image_scanning_configuration[0].scan_on_push])
    error_message = "Every pushed image must be scanned."
  }

  assert {
    condition     = alltrue([for repository in aws_ecr_repository.this : repository.encryption_configuration[0].encryption_type == "KMS" && repository.encryption_configuration[0].kms_key == var.kms_key_arn])
    error_message = "Images must be encrypted with the KMS key."
  }
}
