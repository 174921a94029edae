variable "name" {
  description = "Prefix of every name and Name tag."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's IPv4 range; a /16 leaves each zone a /19 for nodes and pods."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.cidr_block)) && tonumber(split("/", var.cidr_block)[1]) <= 16
    error_message = "cidr_block must be an IPv4 CIDR of /16 or larger."
  }
}

variable "availability_zones" {
  description = "The three zones the subnets span."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 3 && length(distinct(var.availability_zones)) == 3
    error_message = "Exactly three distinct availability zones are needed."
  }
}

variable "logs_kms_key_arn" {
  description = "KMS key encrypting the flow log group."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the flow logs are kept."
  type        = number
}
