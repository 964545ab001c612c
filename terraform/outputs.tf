output "controller_agent_url" {
  description = "Where agents dial in (token-protected)."
  value       = module.controller.agent_url
}

output "operator_address" {
  description = "Give this to throng-panel --connect."
  value       = module.controller.operator_address
}

output "operator_token" {
  description = "The panel's token: terraform output -raw operator_token."
  value       = random_password.operator_token.result
  sensitive   = true
}

output "panel_command" {
  description = "How to watch the run."
  value       = "throng-panel --connect ${module.controller.operator_address} --token \"$(terraform output -raw operator_token)\""
}

output "agents_per_region" {
  description = "Agent instances asked for in each region."
  value       = { for region, m in module.agent_region : region => m.desired_agents }
}

output "reference_server_url" {
  description = "The reference server's chat endpoint, when deployed."
  value       = var.reference_server.enabled ? "ws://${module.reference_server[0].public_ip}:${var.ports.chat}/ws" : null
}

output "deadline" {
  description = "When the cost guard scales every agent group to zero (UTC)."
  value       = module.controller.deadline
}
