output "public_ip" {
  description = "Public address of the server."
  value       = module.instance.public_ip
}

output "private_ip" {
  description = "Private address (agents in the home region may use it)."
  value       = module.instance.private_ip
}

output "test_token_secret_parameter" {
  description = "SSM parameter holding THRONG_TEST_TOKEN_SECRET, for scenarios with minted tokens."
  value       = module.instance.secrets_parameter
}
