# The cheapest real fleet: the controller, a reference server and 2 spot
# agents, all in one region, for at most 2 hours.
#   make package && cd terraform/examples/smoke-one-region
#   terraform init && terraform apply -var 'operator_cidrs=["203.0.113.7/32"]'

module "throng" {
  source             = "../.."
  name               = "throng-smoke"
  home_region        = "eu-west-1"
  agent_regions      = { "eu-west-1" = { agents = 2 } }
  max_lifetime_hours = 2
  operator_cidrs     = var.operator_cidrs
  reference_server   = { enabled = true, instance_type = "c6i.large" }
  packages_dir       = "${path.root}/../../../build/packages"
}

variable "operator_cidrs" {
  type        = list(string)
  description = "Your address as a /32: the panel connects from there."
}

output "panel_command" {
  description = "How to watch the run."
  value       = module.throng.panel_command
}

output "reference_server_url" {
  description = "The target agents load."
  value       = module.throng.reference_server_url
}
