variable "name" {
  type        = string
  description = "Fleet name, used in resource names."
}

variable "region" {
  type        = string
  description = "AWS region of this agent group (the provider >= 6 per-resource region argument)."
  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region: an AWS region code such as eu-west-1."
  }
}

variable "agents" {
  type        = number
  description = "Agent instances in this region."
  validation {
    condition     = var.agents >= 0 && floor(var.agents) == var.agents
    error_message = "agents: a whole number, 0 or more."
  }
}

variable "source_ips_per_agent" {
  type        = number
  description = "Secondary private addresses per instance; the agent spreads its connections over them (--source-ips)."
  default     = 0
}

variable "instance_types" {
  type        = list(string)
  description = "Instance types, in order of preference."
}

variable "spot" {
  type        = bool
  description = "Spot capacity (true) or on-demand."
  default     = true
}

variable "instance_profile_name" {
  type        = string
  description = "IAM instance profile letting agents read the package and the token parameter."
}

variable "package_bucket" {
  type        = string
  description = "S3 bucket holding the agent package."
}

variable "package_key" {
  type        = string
  description = "S3 key of throng-agent_*.deb."
}

variable "controller_url" {
  type        = string
  description = "ws://host:port/agents of the controller."
}

variable "agent_token" {
  type        = string
  description = "The controller's agent token, stored in this region's Parameter Store (never in user data)."
  sensitive   = true
}

variable "token_parameter_name" {
  type        = string
  description = "SSM parameter name of the agent token."
}

variable "target_allow_list" {
  type        = list(string)
  description = "Hosts agents may load (--allow-target)."
  default     = []
}

variable "max_lifetime_hours" {
  type        = number
  description = "Hours after apply when the group scales to zero."
}
