# The reference chat server as a target, with a test token secret in
# Parameter Store so agents can mint tokens for synthetic users.

data "aws_ssm_parameter" "debian" {
  region = var.region
  name   = "/aws/service/debian/release/bookworm/latest/amd64"
}

data "aws_vpc" "default" {
  region  = var.region
  default = true
}

resource "random_password" "test_token_secret" {
  length  = 48
  special = false
}

resource "aws_ssm_parameter" "secrets" {
  region = var.region
  name   = "/${var.name}/server-secrets"
  type   = "SecureString"
  value  = "THRONG_TEST_TOKEN_SECRET=${random_password.test_token_secret.result}\n"
}

resource "aws_iam_role" "server" {
  name_prefix = "${var.name}-server-"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "server" {
  role = aws_iam_role.server.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${var.package_bucket_arn}/*"] },
      { Effect = "Allow", Action = ["ssm:GetParameter"], Resource = [aws_ssm_parameter.secrets.arn] },
    ]
  })
}

resource "aws_iam_instance_profile" "server" {
  name_prefix = "${var.name}-server-"
  role        = aws_iam_role.server.name
}

resource "aws_security_group" "server" {
  region      = var.region
  name_prefix = "${var.name}-server-"
  description = "Throng reference server: chat from anywhere"
  vpc_id      = data.aws_vpc.default.id
  ingress {
    description = "WebSocket chat and auth API"
    from_port   = var.chat_port
    to_port     = var.chat_port
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description = "packages, Parameter Store"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "server" {
  region                               = var.region
  ami                                  = data.aws_ssm_parameter.debian.value
  instance_type                        = var.instance_type
  iam_instance_profile                 = aws_iam_instance_profile.server.name
  vpc_security_group_ids               = [aws_security_group.server.id]
  associate_public_ip_address          = true
  instance_initiated_shutdown_behavior = "terminate"
  metadata_options {
    http_tokens = "required"
  }
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    boot_script = templatefile("${path.module}/templates/server-boot.sh.tftpl", {
      region         = var.region
      package_bucket = var.package_bucket
      package_key    = var.package_key
      secrets_name   = aws_ssm_parameter.secrets.name
      chat_port      = var.chat_port
      lifetime_min   = var.max_lifetime_hours * 60
    })
  })
  tags = { Name = "${var.name}-server", ThrongRole = "reference-server" }
}
