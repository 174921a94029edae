# The application's IRSA role alone, planned against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                  = "bolt-test"
  oidc_provider_arn     = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC"
  oidc_issuer           = "https://oidc.eks.eu-central-1.amazonaws.com/id/ABC"
  namespace             = "bolttickets"
  service_account       = "bolttickets"
  postgres_resource_ids = ["db-PRIMARY", "db-REPLICA"]
  postgres_user         = "bolttickets"
  kafka_cluster_arn     = "arn:aws:kafka:eu-central-1:111122223333:cluster/bolt-test/uuid-1"
  kafka_cluster_name    = "bolt-test"
  kafka_cluster_uuid    = "uuid-1"
  kafka_topic           = "ticket-bookings"
  kafka_consumer_group  = "booking-workers"
  readable_secret_arns  = ["arn:aws:secretsmanager:eu-central-1:111122223333:secret:redis"]
  secrets_kms_key_arns  = ["arn:aws:kms:eu-central-1:111122223333:key/redis"]
}

run "only_the_chart_service_account_with_least_privilege" {
  command = plan

  module {
    source = "./modules/app_identity"
  }

  assert {
    condition = toset([for c in data.aws_iam_policy_document.assume.statement[0].condition : "${c.variable}=${join(",", c.values)}"]) == toset([
      "oidc.eks.eu-central-1.amazonaws.com/id/ABC:sub=system:serviceaccount:bolttickets:bolttickets",
      "oidc.eks.eu-central-1.amazonaws.com/id/ABC:aud=sts.amazonaws.com",
    ])
    error_message = "Only the chart's ServiceAccount, with an STS audience, may assume the role."
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.access.statement : s.resources if s.sid == "PostgresSignIn"])) == toset([
      "arn:aws:rds-db:eu-central-1:111122223333:dbuser:db-PRIMARY/bolttickets",
      "arn:aws:rds-db:eu-central-1:111122223333:dbuser:db-REPLICA/bolttickets",
    ])
    error_message = "The role signs in to PostgreSQL as the application's user only."
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.access.statement : s.resources if startswith(s.sid, "Kafka")])) == toset([
      var.kafka_cluster_arn,
      "arn:aws:kafka:eu-central-1:111122223333:topic/bolt-test/uuid-1/ticket-bookings*",
      "arn:aws:kafka:eu-central-1:111122223333:group/bolt-test/uuid-1/booking-workers",
    ])
    error_message = "The role reaches only the bookings topics and the workers' group."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.access.statement : !contains(s.resources, "*")])
    error_message = "No statement may grant on every resource."
  }
}
