output "private_ip_address" {
  description = "The endpoint's address in the VNet."
  value       = azurerm_private_endpoint.this.private_service_connection[0].private_ip_address
}
