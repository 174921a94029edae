# The one IAM role the BoltTickets pods assume (IRSA), through their ServiceAccount and no
# other: sign in to PostgreSQL as the application's user, produce and consume its own
# topics in its own group (IAM access, which KEDA's scaler uses), read the Redis token and
# the Kafka SCRAM login. Nothing else.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  issuer   = replace(var.oidc_issuer, "https://", "")
  arn_base = "arn:${data.aws_partition.current.partition}"
  account  = data.aws_caller_identity.current.account_id
  region   = data.aws_region.current.name
  # MSK's topic and group ARNs are cluster/NAME/UUID with topic or group in place of cluster.
  kafka_path = "${var.kafka_cluster_name}/${var.kafka_cluster_uuid}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "access" {
  statement {
    sid       = "PostgresSignIn"
    actions   = ["rds-db:connect"]
    resources = [for id in var.postgres_resource_ids : "${local.arn_base}:rds-db:${local.region}:${local.account}:dbuser:${id}/${var.postgres_user}"]
  }

  statement {
    sid       = "KafkaConnect"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    resources = [var.kafka_cluster_arn]
  }

  statement {
    sid = "KafkaTopics"
    actions = [
      "kafka-cluster:CreateTopic",
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:ReadData",
      "kafka-cluster:WriteData",
    ]
    # The bookings topic and its dead letters (ticket-bookings.dlq).
    resources = ["${local.arn_base}:kafka:${local.region}:${local.account}:topic/${local.kafka_path}/${var.kafka_topic}*"]
  }

  statement {
    sid       = "KafkaConsumerGroup"
    actions   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
    resources = ["${local.arn_base}:kafka:${local.region}:${local.account}:group/${local.kafka_path}/${var.kafka_consumer_group}"]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = var.readable_secret_arns
  }

  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = var.secrets_kms_key_arns
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${var.name}-app-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "this" {
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.access.json
}
