output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "The VPC's IPv4 range."
  value       = aws_vpc.this.cidr_block
}

output "node_subnet_ids" {
  description = "Private subnets of the Kubernetes nodes, one per zone, in zone order."
  value       = [for zone in var.availability_zones : aws_subnet.nodes[zone].id]
}

output "data_subnet_ids" {
  description = "Isolated subnets of the data services, one per zone, in zone order."
  value       = [for zone in var.availability_zones : aws_subnet.data[zone].id]
}
