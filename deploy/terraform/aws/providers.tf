provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Application = "bolttickets"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
