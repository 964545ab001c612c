# One Throng service on one instance with a public address: the package from
# S3, its settings, its secrets from Parameter Store, its unit started, and a
# power-off (terminate) at the end of its lifetime.

data "aws_ssm_parameter" "debian" {
  region = var.region
  name   = "/aws/service/debian/release/bookworm/latest/amd64"
}

data "aws_vpc" "default" {
  region  = var.region
  default = true
}

resource "aws_ssm_parameter" "secrets" {
  region = var.region
  name   = "/${var.name}/${var.role}-secrets"
  type   = "SecureString"
  value  = join("", [for k, v in var.secrets : "${k}=${v}\n"])
}

module "instance_role" {
  source      = "../instance_role"
  name_prefix = "${var.name}-${var.role}-"
  policy_statements = [
    { Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${var.package_bucket_arn}/*"] },
    { Effect = "Allow", Action = ["ssm:GetParameter"], Resource = [aws_ssm_parameter.secrets.arn] },
  ]
}

resource "aws_security_group" "this" {
  region      = var.region
  name_prefix = "${var.name}-${var.role}-"
  description = "Throng ${var.role}"
  vpc_id      = data.aws_vpc.default.id
  dynamic "ingress" {
    for_each = var.ingress
    content {
      description = ingress.value.description
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidr_blocks
    }
  }
  egress {
    description = "packages, Parameter Store"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "this" {
  region                               = var.region
  ami                                  = data.aws_ssm_parameter.debian.value
  instance_type                        = var.instance_type
  iam_instance_profile                 = module.instance_role.instance_profile_name
  vpc_security_group_ids               = [aws_security_group.this.id]
  associate_public_ip_address          = true
  instance_initiated_shutdown_behavior = "terminate"
  metadata_options {
    http_tokens = "required"
  }
  user_data = templatefile("${path.module}/../../templates/cloud-init.yaml.tftpl", {
    boot_path = "/usr/local/sbin/throng-${var.role}-boot"
    boot_script = templatefile("${path.module}/templates/service-boot.sh.tftpl", {
      region           = var.region
      package_bucket   = var.package_bucket
      package_key      = var.package_key
      config           = var.config
      settings         = join("\n", [for k, v in var.settings : "${k}=${v}"])
      secret_parameter = aws_ssm_parameter.secrets.name
      unit             = var.unit
      lifetime_min     = var.max_lifetime_hours * 60
    })
  })
  tags = { Name = "${var.name}-${var.role}", ThrongRole = var.role }
}

resource "time_offset" "deadline" {
  offset_hours = var.max_lifetime_hours
}
