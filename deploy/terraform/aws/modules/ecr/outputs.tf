output "repository_urls" {
  description = "Repository URL of each image, by image name (the registry to push to)."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.repository_url }
}
