variable "name" {
  type        = string
  description = "Name of this fleet, used in resource names and the ThrongFleet cost-allocation tag."
  default     = "throng"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name: lower-case letters, digits and dashes, 2 to 31 characters, starting with a letter."
  }
}

variable "home_region" {
  type        = string
  description = "Region of the controller, the optional reference server and the package bucket."
  default     = "us-east-1"
}

variable "agent_regions" {
  type = map(object({
    agents               = number
    source_ips_per_agent = optional(number, 0)
  }))
  description = "Agent fleet per region: instances, and secondary private addresses per instance passed to the agent as --source-ips (more connections per instance). `throng plan --tfvars` writes this."
  validation {
    condition     = length(var.agent_regions) > 0 && alltrue([for r in values(var.agent_regions) : r.agents >= 0 && r.agents <= 5000 && floor(r.agents) == r.agents])
    error_message = "agent_regions: at least one region, each with a whole number of agents from 0 to 5000."
  }
  validation {
    condition     = alltrue([for r in values(var.agent_regions) : r.source_ips_per_agent >= 0 && r.source_ips_per_agent <= 14])
    error_message = "agent_regions: source_ips_per_agent from 0 to 14 (a network interface holds at most 15 private addresses on most types)."
  }
}

variable "agent_instance_types" {
  type        = list(string)
  description = "Instance types for agents, in order of preference; spot capacity is taken from all of them."
  default     = ["c6i.large", "c6a.large", "c5.large"]
  validation {
    condition     = length(var.agent_instance_types) > 0
    error_message = "agent_instance_types: give at least one instance type."
  }
}

variable "agent_spot" {
  type        = bool
  description = "Run agents on spot capacity (cheaper; an agent lost to a reclaim is reported by the controller)."
  default     = true
}

variable "max_lifetime_hours" {
  type        = number
  description = "Cost guard: every agent group scales to zero, and the controller and server shut down, this many hours after apply."
  default     = 4
  validation {
    condition     = var.max_lifetime_hours >= 1 && var.max_lifetime_hours <= 72
    error_message = "max_lifetime_hours: from 1 to 72."
  }
}

variable "operator_cidrs" {
  type        = list(string)
  description = "Networks allowed to reach the controller's operator (panel) and metrics ports, e.g. your office's /32."
  validation {
    condition     = alltrue([for c in var.operator_cidrs : can(cidrhost(c, 0))]) && !contains(var.operator_cidrs, "0.0.0.0/0")
    error_message = "operator_cidrs: CIDR blocks, and not 0.0.0.0/0 (the operator port steers the run)."
  }
}

variable "target_allow_list" {
  type        = list(string)
  description = "Hosts (host or host:port) agents may load; plans naming anything else are refused. The reference server is added when deployed."
  default     = []
}

variable "packages_dir" {
  type        = string
  description = "Directory holding the .deb packages from `make package` (throng-agent_*.deb, throng_*.deb, throng-server_*.deb)."
  default     = "../build/packages"
}

variable "throng_version" {
  type        = string
  description = "Version in the package file names."
  default     = "0.1.0"
}

variable "controller_instance_type" {
  type        = string
  description = "Instance type of the controller (it merges every agent's report each second: about 21 us of CPU per agent)."
  default     = "c6i.xlarge"
}

variable "reference_server" {
  type = object({
    enabled       = bool
    instance_type = optional(string, "c6i.2xlarge")
  })
  description = "Deploy throng-server in the home region as the target."
  default     = { enabled = false }
}

variable "ports" {
  type = object({
    agents    = optional(number, 7700)
    operators = optional(number, 7701)
    metrics   = optional(number, 9464)
    chat      = optional(number, 8080)
  })
  description = "Listener ports: agents dial `agents`, panels `operators`, Prometheus scrapes `metrics`, users `chat`."
  default     = {}
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on every resource (cost allocation)."
  default     = {}
}
