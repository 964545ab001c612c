# The controller: `throng serve` on a service instance. The agent port is
# open to the world (agents present a token); the operator and metrics ports
# only to operator_cidrs.

module "instance" {
  source             = "../service_instance"
  name               = var.name
  role               = "controller"
  region             = var.region
  instance_type      = var.instance_type
  package_bucket     = var.package_bucket
  package_bucket_arn = var.package_bucket_arn
  package_key        = var.package_key
  config             = "controller"
  unit               = "throng-controller.service"
  settings = {
    THRONG_AGENT_PORT      = var.agent_port
    THRONG_OPERATOR_PORT   = var.operator_port
    THRONG_AGENTS          = var.expected_agents
    THRONG_CONTROLLER_ARGS = "--agent-wait 900"
  }
  secrets = {
    THRONG_AGENT_TOKEN    = var.agent_token
    THRONG_OPERATOR_TOKEN = var.operator_token
  }
  ingress = [
    { description = "agents dial in (bearer token)", port = var.agent_port, cidr_blocks = ["0.0.0.0/0"] },
    { description = "throng-panel", port = var.operator_port, cidr_blocks = var.operator_cidrs },
    { description = "Prometheus", port = var.metrics_port, cidr_blocks = var.operator_cidrs },
  ]
  max_lifetime_hours = var.max_lifetime_hours
}
