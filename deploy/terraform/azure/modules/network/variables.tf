variable "name" {
  description = "The VNet's name and the prefix of its security groups."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the network."
  type        = string
}

variable "address_space" {
  description = "The VNet's IPv4 range (a /16: a /20 of nodes, /24s of data services)."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.address_space)) && tonumber(split("/", var.address_space)[1]) <= 16
    error_message = "address_space must be an IPv4 CIDR of /16 or larger."
  }
}
