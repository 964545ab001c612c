variable "name" {
  type        = string
  description = "Fleet name, used in resource names."
}

variable "role" {
  type        = string
  description = "What the instance is (controller, server): in names, tags and the secret's parameter name."
}

variable "region" {
  type        = string
  description = "AWS region of the instance."
}

variable "instance_type" {
  type        = string
  description = "Instance type."
}

variable "package_bucket" {
  type        = string
  description = "S3 bucket holding the package."
}

variable "package_bucket_arn" {
  type        = string
  description = "ARN of that bucket, for the instance role."
}

variable "package_key" {
  type        = string
  description = "S3 key of the package's .deb."
}

variable "config" {
  type        = string
  description = "Base name of the package's files in /etc/throng (controller, server)."
}

variable "unit" {
  type        = string
  description = "The package's systemd unit, started at boot."
}

variable "settings" {
  type        = map(string)
  description = "Lines of /etc/throng/<config>.env."
}

variable "secrets" {
  type        = map(string)
  description = "Lines of /etc/throng/<config>.secret, kept in Parameter Store (SecureString) and fetched at boot."
  sensitive   = true
}

variable "ingress" {
  type = list(object({
    description = string
    port        = number
    cidr_blocks = list(string)
  }))
  description = "TCP ports the instance serves, and to whom."
}

variable "max_lifetime_hours" {
  type        = number
  description = "The instance powers off (and terminates) this many hours after boot."
}
