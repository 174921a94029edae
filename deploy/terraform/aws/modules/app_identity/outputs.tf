output "role_arn" {
  description = "The role to annotate the ServiceAccount with (eks.amazonaws.com/role-arn)."
  value       = aws_iam_role.this.arn
}
