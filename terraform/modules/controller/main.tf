# The controller: `throng serve` on one instance. The agent port is open to
# the world (agents present a token); the operator and metrics ports only to
# operator_cidrs. It terminates itself after its lifetime.

data "aws_ssm_parameter" "debian" {
  region = var.region
  name   = "/aws/service/debian/release/bookworm/latest/amd64"
}

data "aws_vpc" "default" {
  region  = var.region
  default = true
}

resource "aws_ssm_parameter" "tokens" {
  region = var.region
  name   = "/${var.name}/controller-tokens"
  type   = "SecureString"
  value  = "THRONG_AGENT_TOKEN=${var.agent_token}\nTHRONG_OPERATOR_TOKEN=${var.operator_token}\n"
}

resource "aws_iam_role" "controller" {
  name_prefix = "${var.name}-controller-"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "controller" {
  role = aws_iam_role.controller.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${var.package_bucket_arn}/*"] },
      { Effect = "Allow", Action = ["ssm:GetParameter"], Resource = [aws_ssm_parameter.tokens.arn] },
    ]
  })
}

resource "aws_iam_instance_profile" "controller" {
  name_prefix = "${var.name}-controller-"
  role        = aws_iam_role.controller.name
}

resource "aws_security_group" "controller" {
  region      = var.region
  name_prefix = "${var.name}-controller-"
  description = "Throng controller: agents from anywhere (token), panels and metrics from operator_cidrs"
  vpc_id      = data.aws_vpc.default.id
  ingress {
    description = "agents dial in (bearer token)"
    from_port   = var.ports.agents
    to_port     = var.ports.agents
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    description = "throng-panel"
    from_port   = var.ports.operators
    to_port     = var.ports.operators
    protocol    = "tcp"
    cidr_blocks = var.operator_cidrs
  }
  ingress {
    description = "Prometheus"
    from_port   = var.ports.metrics
    to_port     = var.ports.metrics
    protocol    = "tcp"
    cidr_blocks = var.operator_cidrs
  }
  egress {
    description = "packages, Parameter Store"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "controller" {
  region                               = var.region
  ami                                  = data.aws_ssm_parameter.debian.value
  instance_type                        = var.instance_type
  iam_instance_profile                 = aws_iam_instance_profile.controller.name
  vpc_security_group_ids               = [aws_security_group.controller.id]
  associate_public_ip_address          = true
  instance_initiated_shutdown_behavior = "terminate"
  metadata_options {
    http_tokens = "required"
  }
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    boot_script = templatefile("${path.module}/templates/controller-boot.sh.tftpl", {
      region          = var.region
      package_bucket  = var.package_bucket
      package_key     = var.package_key
      token_parameter = aws_ssm_parameter.tokens.name
      agent_port      = var.ports.agents
      operator_port   = var.ports.operators
      expected_agents = var.expected_agents
      lifetime_min    = var.max_lifetime_hours * 60
    })
  })
  tags = { Name = "${var.name}-controller", ThrongRole = "controller" }
}

resource "time_offset" "deadline" {
  offset_hours = var.max_lifetime_hours
}
