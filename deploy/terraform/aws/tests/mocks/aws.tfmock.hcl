# What the mocked AWS provider answers for the data sources whose values the real provider
# validates (policy JSON, ARN partitions, account ids): any other value is random.

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "111122223333"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "eu-central-1"
  }
}

mock_data "aws_secretsmanager_random_password" {
  defaults = {
    random_password = "MockRedisAuthTokenOfThirtyTwoChars0"
  }
}
