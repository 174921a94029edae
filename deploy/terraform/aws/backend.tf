# Remote state (deploy/terraform/README.md, "Remote state"): uncomment, fill in, then
# `terraform init -migrate-state`. The checks run with -backend=false and never need it.
# The state holds the Redis AUTH token: the bucket is encrypted with KMS, versioned and
# readable only by the people and pipelines that apply.
#
# terraform {
#   backend "s3" {
#     bucket         = "ACCOUNT-bolttickets-terraform-state"
#     key            = "bolttickets/prod/aws.tfstate"
#     region         = "eu-central-1"
#     encrypt        = true
#     kms_key_id     = "alias/bolttickets-terraform-state"
#     dynamodb_table = "bolttickets-terraform-locks"
#   }
# }
