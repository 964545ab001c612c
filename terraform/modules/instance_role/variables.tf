variable "name_prefix" {
  type        = string
  description = "Prefix of the role's and the instance profile's names."
}

variable "policy_statements" {
  type        = any
  description = "IAM policy statements the instances may use (a list of statement objects)."
}
