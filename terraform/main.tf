# The world: a controller (and optionally a reference server) in the home
# region, and an agent fleet in every region of var.agent_regions, dialling
# out to the controller with a token kept in SSM Parameter Store.

locals {
  deadline_hours = var.max_lifetime_hours
  agent_deb      = "throng-agent_${var.throng_version}_amd64.deb"
  controller_deb = "throng_${var.throng_version}_amd64.deb"
  server_deb     = "throng-server_${var.throng_version}_amd64.deb"
  allow_list     = concat(var.target_allow_list, var.reference_server.enabled ? ["${module.reference_server[0].private_ip}:${var.ports.chat}", "${module.reference_server[0].public_ip}:${var.ports.chat}"] : [])
}

# The packages, uploaded once; instances fetch them with their role.
resource "aws_s3_bucket" "packages" {
  bucket_prefix = "${var.name}-packages-"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "packages" {
  bucket                  = aws_s3_bucket.packages.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_object" "deb" {
  for_each = toset(concat([local.agent_deb, local.controller_deb], var.reference_server.enabled ? [local.server_deb] : []))
  bucket   = aws_s3_bucket.packages.id
  key      = each.value
  source   = "${var.packages_dir}/${each.value}"
  etag     = filemd5("${var.packages_dir}/${each.value}")
}

# Tokens: agents present the agent token; panels the operator token.
resource "random_password" "agent_token" {
  length  = 40
  special = false
}

resource "random_password" "operator_token" {
  length  = 40
  special = false
}

# One role for every agent (IAM is global): the packages, and the token
# parameter of whichever region the agent is in.
module "agent_role" {
  source      = "./modules/instance_role"
  name_prefix = "${var.name}-agent-"
  policy_statements = [
    { Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${aws_s3_bucket.packages.arn}/*"] },
    { Effect = "Allow", Action = ["ssm:GetParameter"], Resource = ["arn:aws:ssm:*:*:parameter/${var.name}/agent-token"] },
    { Effect = "Allow", Action = ["kms:Decrypt"], Resource = ["*"], Condition = { StringLike = { "kms:ViaService" = "ssm.*.amazonaws.com" } } },
  ]
}

module "controller" {
  source                = "./modules/controller"
  name                  = var.name
  region                = var.home_region
  instance_type         = var.controller_instance_type
  package_bucket        = aws_s3_bucket.packages.id
  package_key           = aws_s3_object.deb[local.controller_deb].key
  package_bucket_arn    = aws_s3_bucket.packages.arn
  agent_token           = random_password.agent_token.result
  operator_token        = random_password.operator_token.result
  expected_agents       = sum([for r in values(var.agent_regions) : r.agents])
  operator_cidrs        = var.operator_cidrs
  agent_port            = var.ports.agents
  operator_port         = var.ports.operators
  metrics_port          = var.ports.metrics
  max_lifetime_hours    = local.deadline_hours
}

module "reference_server" {
  source             = "./modules/reference_server"
  count              = var.reference_server.enabled ? 1 : 0
  name               = var.name
  region             = var.home_region
  instance_type      = var.reference_server.instance_type
  package_bucket     = aws_s3_bucket.packages.id
  package_key        = local.server_deb
  package_bucket_arn = aws_s3_bucket.packages.arn
  chat_port          = var.ports.chat
  max_lifetime_hours = local.deadline_hours
  depends_on         = [aws_s3_object.deb]
}

module "agent_region" {
  source                = "./modules/agent_region"
  for_each              = var.agent_regions
  name                  = var.name
  region                = each.key
  agents                = each.value.agents
  source_ips_per_agent  = each.value.source_ips_per_agent
  instance_types        = var.agent_instance_types
  spot                  = var.agent_spot
  instance_profile_name = module.agent_role.instance_profile_name
  package_bucket        = aws_s3_bucket.packages.id
  package_key           = aws_s3_object.deb[local.agent_deb].key
  controller_url        = module.controller.agent_url
  agent_token           = random_password.agent_token.result
  token_parameter_name  = "/${var.name}/agent-token"
  target_allow_list     = local.allow_list
  max_lifetime_hours    = local.deadline_hours
}
