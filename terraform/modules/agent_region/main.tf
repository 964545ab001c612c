# One region's agents: an Auto Scaling group of spot instances with public
# addresses and no inbound access at all (agents dial out), booted by
# cloud-init that installs the agent package and fetches the token from this
# region's Parameter Store.

locals {
  allow_targets = join(" ", [for t in var.target_allow_list : "--allow-target ${t}"])
}

resource "aws_ssm_parameter" "agent_token" {
  region = var.region
  name   = var.token_parameter_name
  type   = "SecureString"
  value  = var.agent_token
}

data "aws_ssm_parameter" "debian" {
  region = var.region
  name   = "/aws/service/debian/release/bookworm/latest/amd64"
}

data "aws_vpc" "default" {
  region  = var.region
  default = true
}

data "aws_subnets" "default" {
  region = var.region
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

# Outbound only: agents reach the controller, the package bucket, SSM and their targets.
resource "aws_security_group" "agent" {
  region      = var.region
  name_prefix = "${var.name}-agent-"
  description = "Throng agents: no inbound access, all outbound"
  vpc_id      = data.aws_vpc.default.id
  egress {
    description = "agents dial out"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_launch_template" "agent" {
  region        = var.region
  name_prefix   = "${var.name}-agent-"
  image_id      = data.aws_ssm_parameter.debian.value
  instance_type = var.instance_types[0]
  iam_instance_profile {
    name = var.instance_profile_name
  }
  network_interfaces {
    associate_public_ip_address        = true
    security_groups                    = [aws_security_group.agent.id]
    secondary_private_ip_address_count = var.source_ips_per_agent
    delete_on_termination              = true
  }
  metadata_options {
    http_tokens = "required"
  }
  user_data = base64encode(templatefile("${path.module}/../../templates/cloud-init.yaml.tftpl", {
    boot_path = "/usr/local/sbin/throng-agent-boot"
    boot_script = templatefile("${path.module}/templates/agent-boot.sh.tftpl", {
      region          = var.region
      package_bucket  = var.package_bucket
      package_key     = var.package_key
      controller_url  = var.controller_url
      token_parameter = var.token_parameter_name
      allow_targets   = local.allow_targets
      source_ips      = var.source_ips_per_agent
    })
  }))
  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-agent-${var.region}", ThrongRole = "agent" }
  }
}

resource "aws_autoscaling_group" "agents" {
  region                    = var.region
  name_prefix               = "${var.name}-agents-"
  min_size                  = 0
  max_size                  = var.agents
  desired_capacity          = var.agents
  vpc_zone_identifier       = data.aws_subnets.default.ids
  wait_for_capacity_timeout = "0"
  capacity_rebalance        = var.spot
  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = 0
      on_demand_percentage_above_base_capacity = var.spot ? 0 : 100
      spot_allocation_strategy                 = "price-capacity-optimized"
    }
    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.agent.id
        version            = aws_launch_template.agent.latest_version
      }
      dynamic "override" {
        for_each = var.instance_types
        content {
          instance_type = override.value
        }
      }
    }
  }
  tag {
    key                 = "ThrongRegion"
    value               = var.region
    propagate_at_launch = true
  }
}

# Cost guard: the whole group goes to zero at the deadline, whatever happens to the controller.
resource "time_offset" "deadline" {
  offset_hours = var.max_lifetime_hours
}

resource "aws_autoscaling_schedule" "scale_to_zero" {
  region                 = var.region
  scheduled_action_name  = "${var.name}-lifetime-over"
  autoscaling_group_name = aws_autoscaling_group.agents.name
  start_time             = formatdate("YYYY-MM-DD'T'hh:mm:ss'Z'", time_offset.deadline.rfc3339)
  min_size               = 0
  max_size               = 0
  desired_capacity       = 0
}
