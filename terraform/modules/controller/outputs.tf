output "agent_url" {
  description = "ws://host:port/agents where agents dial in."
  value       = "ws://${aws_instance.controller.public_ip}:${var.ports.agents}/agents"
}

output "operator_address" {
  description = "host:port for throng-panel --connect."
  value       = "${aws_instance.controller.public_ip}:${var.ports.operators}"
}

output "deadline" {
  description = "When the controller terminates itself (UTC)."
  value       = time_offset.deadline.rfc3339
}
