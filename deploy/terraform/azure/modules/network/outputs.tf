output "vnet_id" {
  description = "The VNet's id (private DNS zones link to it)."
  value       = azurerm_virtual_network.this.id
}

output "nodes_subnet_id" {
  description = "Subnet of the Kubernetes nodes."
  value       = azurerm_subnet.nodes.id
}

output "endpoints_subnet_id" {
  description = "Subnet of the data services' private endpoints."
  value       = azurerm_subnet.endpoints.id
}

output "postgres_subnet_id" {
  description = "Subnet delegated to PostgreSQL Flexible Server."
  value       = azurerm_subnet.postgres.id
}
