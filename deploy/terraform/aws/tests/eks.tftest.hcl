# The EKS module alone, planned against a mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                  = "bolt-test"
  kubernetes_version    = "1.33"
  availability_zones    = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  subnet_ids            = ["subnet-a", "subnet-b", "subnet-c"]
  secrets_kms_key_arn   = "arn:aws:kms:eu-central-1:111122223333:key/eks"
  logs_kms_key_arn      = "arn:aws:kms:eu-central-1:111122223333:key/logs"
  log_retention_in_days = 365
  node_instance_types   = ["m7i.large"]
  nodes_per_zone        = { min = 1, max = 5 }
}

run "private_encrypted_logged_three_zones" {
  command = plan

  module {
    source = "./modules/eks"
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_private_access && !aws_eks_cluster.this.vpc_config[0].endpoint_public_access
    error_message = "The API server must be private by default."
  }

  assert {
    condition     = one(aws_eks_cluster.this.encryption_config[0].resources) == "secrets" && aws_eks_cluster.this.encryption_config[0].provider[0].key_arn == var.secrets_kms_key_arn
    error_message = "Kubernetes Secrets must be envelope-encrypted with the KMS key."
  }

  assert {
    condition     = toset(aws_eks_cluster.this.enabled_cluster_log_types) == toset(["api", "audit", "authenticator", "controllerManager", "scheduler"])
    error_message = "Every control-plane log must go to CloudWatch."
  }

  assert {
    condition     = aws_cloudwatch_log_group.control_plane.name == "/aws/eks/bolt-test/cluster" && aws_cloudwatch_log_group.control_plane.retention_in_days == 365 && aws_cloudwatch_log_group.control_plane.kms_key_id == var.logs_kms_key_arn
    error_message = "The control-plane log group must be the one EKS writes to, with a retention and KMS."
  }

  assert {
    condition     = length(aws_eks_node_group.zone) == 3 && length(distinct(flatten([for group in aws_eks_node_group.zone : group.subnet_ids]))) == 3
    error_message = "One node group per zone, each in its own zone's subnet."
  }

  assert {
    condition     = alltrue([for group in aws_eks_node_group.zone : group.scaling_config[0].min_size == 1 && group.scaling_config[0].max_size == 5])
    error_message = "Each node group must autoscale between the given bounds."
  }

  assert {
    condition     = aws_launch_template.node.metadata_options[0].http_tokens == "required" && aws_launch_template.node.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "Nodes must require IMDSv2 and keep pods from the node's credentials."
  }

  assert {
    condition     = aws_launch_template.node.block_device_mappings[0].ebs[0].encrypted == "true"
    error_message = "Node volumes must be encrypted."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.this.client_id_list == toset(["sts.amazonaws.com"])
    error_message = "IRSA needs the cluster's OIDC provider trusted for STS."
  }
}

run "refuses_api_open_to_the_internet" {
  command = plan

  module {
    source = "./modules/eks"
  }

  variables {
    public_access_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.public_access_cidrs]
}
