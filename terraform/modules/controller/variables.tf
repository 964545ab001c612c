variable "name" {
  type        = string
  description = "Fleet name, used in resource names."
}

variable "region" {
  type        = string
  description = "AWS region of the controller."
}

variable "instance_type" {
  type        = string
  description = "Instance type of the controller."
}

variable "package_bucket" {
  type        = string
  description = "S3 bucket holding the controller package."
}

variable "package_bucket_arn" {
  type        = string
  description = "ARN of that bucket, for the instance role."
}

variable "package_key" {
  type        = string
  description = "S3 key of throng_*.deb."
}

variable "agent_token" {
  type        = string
  description = "Token agents must present."
  sensitive   = true
}

variable "operator_token" {
  type        = string
  description = "Token panels must present."
  sensitive   = true
}

variable "expected_agents" {
  type        = number
  description = "Agents the controller waits for before a run starts."
}

variable "operator_cidrs" {
  type        = list(string)
  description = "Networks allowed on the operator and metrics ports."
}

variable "agent_port" {
  type        = number
  description = "Where agents dial in."
}

variable "operator_port" {
  type        = number
  description = "Where panels connect."
}

variable "metrics_port" {
  type        = number
  description = "Where Prometheus scrapes."
}

variable "max_lifetime_hours" {
  type        = number
  description = "The controller powers off (and terminates) this many hours after boot."
}
