output "agent_url" {
  description = "ws://host:port/agents where agents dial in."
  value       = "ws://${module.instance.public_ip}:${var.agent_port}/agents"
}

output "operator_address" {
  description = "host:port for throng-panel --connect."
  value       = "${module.instance.public_ip}:${var.operator_port}"
}

output "deadline" {
  description = "When the controller terminates itself (UTC)."
  value       = module.instance.deadline
}
