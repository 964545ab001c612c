output "instance_profile_name" {
  description = "Give this to launch templates and instances."
  value       = aws_iam_instance_profile.this.name
}
