variable "name" {
  description = "The cluster's name and DNS prefix."
  type        = string
}

variable "location" {
  description = "Azure region (with three availability zones)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the cluster."
  type        = string
}

variable "tenant_id" {
  description = "Entra ID tenant whose users and groups sign in to the cluster."
  type        = string
}

variable "admin_group_object_ids" {
  description = "Entra ID groups given cluster-admin."
  type        = list(string)

  validation {
    condition     = length(var.admin_group_object_ids) > 0
    error_message = "With local accounts disabled, at least one Entra ID group must administer the cluster."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version, e.g. 1.33 (patches follow automatically)."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version is a minor version such as 1.33."
  }
}

variable "subnet_id" {
  description = "Subnet of the nodes."
  type        = string
}

variable "network_policy" {
  description = "Network policy engine enforcing the chart's NetworkPolicies: azure or calico."
  type        = string

  validation {
    condition     = contains(["azure", "calico"], var.network_policy)
    error_message = "network_policy is azure or calico."
  }
}

variable "log_analytics_workspace_id" {
  description = "Workspace of the monitoring agent and the control-plane logs."
  type        = string
}

variable "system_node_size" {
  description = "VM size of the system pool (cluster add-ons only)."
  type        = string
}

variable "system_nodes" {
  description = "Autoscaling bounds of the system pool, across the three zones."
  type = object({
    min = number
    max = number
  })

  validation {
    condition     = var.system_nodes.min >= 3 && var.system_nodes.max >= var.system_nodes.min
    error_message = "The system pool keeps a node in each zone (min 3), and max is at least min."
  }
}

variable "app_node_size" {
  description = "VM size of the application pool."
  type        = string
}

variable "app_nodes" {
  description = "Autoscaling bounds of the application pool, across the three zones."
  type = object({
    min = number
    max = number
  })

  validation {
    condition     = var.app_nodes.min >= 3 && var.app_nodes.max >= var.app_nodes.min
    error_message = "The application pool keeps a node in each zone (min 3), and max is at least min."
  }
}
