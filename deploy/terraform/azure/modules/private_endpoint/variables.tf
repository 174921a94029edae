variable "name" {
  description = "Name of the endpoint, its connection and its DNS link."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the endpoint and the DNS zone."
  type        = string
}

variable "subnet_id" {
  description = "Subnet the endpoint's address is taken from."
  type        = string
}

variable "vnet_id" {
  description = "The VNet whose name resolution uses the private DNS zone."
  type        = string
}

variable "resource_id" {
  description = "The service the endpoint connects to."
  type        = string
}

variable "subresource_name" {
  description = "The service's sub-resource (vault, registry, redisCache, namespace)."
  type        = string
}

variable "dns_zone_name" {
  description = "The service's privatelink DNS zone, e.g. privatelink.vaultcore.azure.net."
  type        = string

  validation {
    condition     = startswith(var.dns_zone_name, "privatelink.")
    error_message = "Private endpoints resolve through a privatelink. zone."
  }
}
