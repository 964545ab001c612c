variable "name" {
  type        = string
  description = "Fleet name, used in resource names."
}

variable "region" {
  type        = string
  description = "AWS region of the server."
}

variable "instance_type" {
  type        = string
  description = "Instance type of the server (one io_context per core)."
}

variable "package_bucket" {
  type        = string
  description = "S3 bucket holding the server package."
}

variable "package_bucket_arn" {
  type        = string
  description = "ARN of that bucket, for the instance role."
}

variable "package_key" {
  type        = string
  description = "S3 key of throng-server_*.deb."
}

variable "chat_port" {
  type        = number
  description = "WebSocket and auth API port, open to the world (it is the target)."
  default     = 8080
}

variable "max_lifetime_hours" {
  type        = number
  description = "The server powers off (and terminates) this many hours after boot."
}
