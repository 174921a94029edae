# One VNet, three subnets: the Kubernetes nodes; the private endpoints of the data
# services (Redis, Event Hubs, Key Vault, ACR); and the subnet delegated to PostgreSQL
# Flexible Server (its private access). The two data subnets admit only the nodes.

resource "azurerm_virtual_network" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  address_space       = [var.address_space]
}

resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  # Nodes only: pods take addresses from the overlay network, not from the VNet.
  address_prefixes = [cidrsubnet(var.address_space, 4, 0)]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "private-endpoints"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.address_space, 8, 16)]
  # Lets the subnet's network security group filter traffic to the endpoints.
  private_endpoint_network_policies = "Enabled"
}

resource "azurerm_subnet" "postgres" {
  name                 = "postgres"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.address_space, 8, 17)]

  delegation {
    name = "postgres-flexible-server"

    service_delegation {
      name    = "Microsoft.DBforPostgreSQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_network_security_group" "nodes" {
  name                = "${var.name}-nodes"
  location            = var.location
  resource_group_name = var.resource_group_name
}

resource "azurerm_subnet_network_security_group_association" "nodes" {
  subnet_id                 = azurerm_subnet.nodes.id
  network_security_group_id = azurerm_network_security_group.nodes.id
}

# The data subnets: the nodes on the services' ports (HTTPS for Key Vault and ACR, Redis
# over TLS, Kafka over TLS; PostgreSQL), nothing else from anywhere.
locals {
  data_subnets = {
    endpoints = { id = azurerm_subnet.endpoints.id, ports = ["443", "6380", "9093"] }
    postgres  = { id = azurerm_subnet.postgres.id, ports = ["5432"] }
  }
}

resource "azurerm_network_security_group" "data" {
  for_each = local.data_subnets

  name                = "${var.name}-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name

  security_rule {
    name                       = "nodes-to-services"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = each.value.ports
    source_address_prefixes    = azurerm_subnet.nodes.address_prefixes
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "deny-other-inbound"
    priority                   = 4096
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "data" {
  for_each = local.data_subnets

  subnet_id                 = each.value.id
  network_security_group_id = azurerm_network_security_group.data[each.key].id
}
