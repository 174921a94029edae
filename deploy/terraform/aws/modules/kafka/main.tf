# Three brokers, one per zone, TLS everywhere, every client authenticated. The application
# logs in with SASL/SCRAM: librdkafka (confluent-kafka) has no AWS_MSK_IAM mechanism, so its
# user and generated password are a Secrets Manager secret associated with the cluster.
# IAM authentication stays on for the tools that speak it (KEDA's Kafka scaler with the pods'
# role, the Kafka CLI with aws-msk-iam-auth). Topics are created on purpose, never by a typo;
# and an acknowledged booking is on two brokers, so one broker lost loses none.

data "aws_secretsmanager_random_password" "scram" {
  password_length     = 64
  exclude_punctuation = true
}

# MSK reads only secrets named AmazonMSK_* and encrypted with a customer managed key.
resource "aws_secretsmanager_secret" "scram" {
  name        = "AmazonMSK_${var.name}-${var.scram_username}"
  description = "SASL/SCRAM login of the application on the ${var.name} MSK cluster"
  kms_key_id  = var.kms_key_arn

  #checkov:skip=CKV2_AWS_57:MSK has no rotation function for SCRAM secrets; rotate by putting a new secret version (deploy/terraform/README.md).
}

resource "aws_secretsmanager_secret_version" "scram" {
  secret_id = aws_secretsmanager_secret.scram.id
  secret_string = jsonencode({
    username = var.scram_username
    password = data.aws_secretsmanager_random_password.scram.random_password
  })

  # The data source draws a new password at every plan: only the first one is kept.
  lifecycle {
    ignore_changes = [secret_string]
  }
}

# The association attaches this policy by itself; declared so that plans show no drift.
data "aws_iam_policy_document" "scram" {
  statement {
    sid       = "MskReadsTheLogin"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.scram.arn]

    principals {
      type        = "Service"
      identifiers = ["kafka.amazonaws.com"]
    }
  }
}

resource "aws_secretsmanager_secret_policy" "scram" {
  secret_arn = aws_secretsmanager_secret.scram.arn
  policy     = data.aws_iam_policy_document.scram.json
}

resource "aws_msk_scram_secret_association" "this" {
  cluster_arn     = aws_msk_cluster.this.arn
  secret_arn_list = [aws_secretsmanager_secret.scram.arn]

  depends_on = [aws_secretsmanager_secret_version.scram]
}

resource "aws_msk_configuration" "this" {
  name           = var.name
  kafka_versions = [var.kafka_version]
  description    = "BoltTickets: durable acknowledgements, no implicit topics"

  server_properties = <<-PROPERTIES
    auto.create.topics.enable=false
    default.replication.factor=3
    min.insync.replicas=2
    unclean.leader.election.enable=false
    num.partitions=${var.default_partitions}
  PROPERTIES

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-kafka-"
  description = "Kafka: only the Kubernetes nodes' pods connect"
  vpc_id      = var.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

# MSK's client ports: 9096 for SASL/SCRAM, 9098 for IAM, both over TLS.
resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = { scram = 9096, iam = 9098 }

  security_group_id            = aws_security_group.this.id
  description                  = "Kafka over TLS with ${upper(each.key)} authentication from the cluster"
  referenced_security_group_id = var.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_cloudwatch_log_group" "brokers" {
  name              = "/aws/msk/${var.name}/brokers"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = length(var.subnet_ids)
  enhanced_monitoring    = "PER_TOPIC_PER_PARTITION"

  broker_node_group_info {
    instance_type   = var.broker_instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.broker_volume_size_gb
      }
    }

    connectivity_info {
      public_access {
        type = "DISABLED"
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  client_authentication {
    unauthenticated = false

    sasl {
      scram = true
      iam   = true
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = var.kms_key_arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.brokers.name
      }
    }
  }
}
