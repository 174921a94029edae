output "cluster_id" {
  description = "The cluster's resource id."
  value       = azurerm_kubernetes_cluster.this.id
}

output "cluster_name" {
  description = "The cluster's name (az aks get-credentials --name ...)."
  value       = azurerm_kubernetes_cluster.this.name
}

output "oidc_issuer_url" {
  description = "Issuer of the cluster's ServiceAccount tokens (workload identity federation)."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "kubelet_object_id" {
  description = "Object id of the nodes' identity (pulls images from ACR)."
  value       = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}
