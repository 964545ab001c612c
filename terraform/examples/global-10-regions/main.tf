# A global fleet: agents in 10 regions dialling one controller in us-east-1,
# against your own target (put its host in target_allow_list). Sizes from
# `throng plan --mau ... --regions ... --tfvars`, or as below.

module "throng" {
  source             = "../.."
  name               = "throng-global"
  home_region        = "us-east-1"
  max_lifetime_hours = 6
  operator_cidrs     = var.operator_cidrs
  target_allow_list  = var.target_allow_list
  agent_regions = {
    "us-east-1"      = { agents = 40 }
    "us-west-2"      = { agents = 30 }
    "ca-central-1"   = { agents = 10 }
    "sa-east-1"      = { agents = 15 }
    "eu-west-1"      = { agents = 30 }
    "eu-central-1"   = { agents = 25 }
    "ap-south-1"     = { agents = 25, source_ips_per_agent = 3 }
    "ap-southeast-1" = { agents = 20 }
    "ap-northeast-1" = { agents = 20 }
    "af-south-1"     = { agents = 5 }
  }
  packages_dir = "${path.root}/../../../build/packages"
}

variable "operator_cidrs" {
  type        = list(string)
  description = "Networks the panel and Prometheus connect from."
}

variable "target_allow_list" {
  type        = list(string)
  description = "The system under test (host:port); agents refuse any other target."
}

output "panel_command" {
  description = "How to watch the run."
  value       = module.throng.panel_command
}

output "agents_per_region" {
  description = "Agent instances asked for in each region."
  value       = module.throng.agents_per_region
}
