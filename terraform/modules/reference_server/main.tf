# The reference chat server as a target on a service instance, with a test
# token secret so agents can mint tokens for synthetic users.

resource "random_password" "test_token_secret" {
  length  = 48
  special = false
}

module "instance" {
  source             = "../service_instance"
  name               = var.name
  role               = "server"
  region             = var.region
  instance_type      = var.instance_type
  package_bucket     = var.package_bucket
  package_bucket_arn = var.package_bucket_arn
  package_key        = var.package_key
  config             = "server"
  unit               = "throng-server.service"
  settings           = { THRONG_CHAT_PORT = var.chat_port, THRONG_SERVER_ARGS = "" }
  secrets            = { THRONG_TEST_TOKEN_SECRET = random_password.test_token_secret.result }
  ingress            = [{ description = "WebSocket chat and auth API", port = var.chat_port, cidr_blocks = ["0.0.0.0/0"] }]
  max_lifetime_hours = var.max_lifetime_hours
}
