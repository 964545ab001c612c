output "public_ip" {
  description = "Public address of the instance."
  value       = aws_instance.this.public_ip
}

output "private_ip" {
  description = "Private address of the instance."
  value       = aws_instance.this.private_ip
}

output "secrets_parameter" {
  description = "SSM parameter holding the secrets."
  value       = aws_ssm_parameter.secrets.name
}

output "deadline" {
  description = "When the instance terminates itself (UTC)."
  value       = time_offset.deadline.rfc3339
}
