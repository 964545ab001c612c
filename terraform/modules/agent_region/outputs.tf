output "desired_agents" {
  description = "Agent instances asked for in this region."
  value       = aws_autoscaling_group.agents.desired_capacity
}

output "autoscaling_group" {
  description = "Name of the Auto Scaling group (scale it by hand between runs)."
  value       = aws_autoscaling_group.agents.name
}

output "security_group_id" {
  description = "The agents' security group: outbound only."
  value       = aws_security_group.agent.id
}
