output "public_ip" {
  description = "Public address of the server."
  value       = aws_instance.server.public_ip
}

output "private_ip" {
  description = "Private address (agents in the home region may use it)."
  value       = aws_instance.server.private_ip
}

output "test_token_secret_parameter" {
  description = "SSM parameter holding THRONG_TEST_TOKEN_SECRET, for scenarios with minted tokens."
  value       = aws_ssm_parameter.secrets.name
}
