# Remote state (deploy/terraform/README.md, "Remote state"): uncomment, fill in, then
# `terraform init -migrate-state`. Azure Storage locks the state with a blob lease. The
# state holds the generated PostgreSQL password and the Redis key: the account allows
# Entra ID access only, and only to the people and pipelines that apply.
#
# terraform {
#   backend "azurerm" {
#     resource_group_name  = "bolttickets-tfstate"
#     storage_account_name = "bolttickets0tfstate"
#     container_name       = "tfstate"
#     key                  = "bolttickets/prod/azure.tfstate"
#     use_azuread_auth     = true
#   }
# }
