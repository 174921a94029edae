variable "name" {
  description = "Prefix of the identity's name."
  type        = string
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the identity."
  type        = string
}

variable "oidc_issuer_url" {
  description = "The cluster's ServiceAccount token issuer."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the application's ServiceAccount."
  type        = string
}

variable "service_account" {
  description = "The application's ServiceAccount, the only one the identity is federated with."
  type        = string
}

variable "key_vault_id" {
  description = "The vault whose secrets the pods read."
  type        = string
}

variable "event_hubs_namespace_id" {
  description = "The Event Hubs namespace the pods produce to and consume from."
  type        = string
}
