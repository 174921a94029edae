output "primary_endpoint" {
  description = "host:port of the primary: the application's writes."
  value       = aws_db_instance.primary.endpoint
}

output "replica_endpoint" {
  description = "host:port of the read replica."
  value       = aws_db_instance.replica.endpoint
}

output "database_name" {
  description = "The application's database."
  value       = aws_db_instance.primary.db_name
}

output "instance_resource_ids" {
  description = "The instances' resource ids (db-...), the resource of an rds-db:connect grant."
  value       = [aws_db_instance.primary.resource_id, aws_db_instance.replica.resource_id]
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret of the master user's rotated password (for migrations and break-glass)."
  value       = aws_db_instance.primary.master_user_secret[0].secret_arn
}
