# terraform test (>= 1.7) with mocked providers: no AWS account needed.
#   cd terraform && terraform init && terraform test

mock_provider "aws" {
  mock_data "aws_ssm_parameter" {
    defaults = { value = "ami-0123456789abcdef0" }
  }
  mock_data "aws_subnets" {
    defaults = { ids = ["subnet-1", "subnet-2"] }
  }
}
mock_provider "random" {}
mock_provider "time" {}

variables {
  operator_cidrs = ["203.0.113.7/32"]
  packages_dir   = "./tests/fixtures"
  agent_regions = {
    "eu-west-1"      = { agents = 3 }
    "ap-southeast-1" = { agents = 2, source_ips_per_agent = 2 }
  }
}

run "one_agent_group_per_region" {
  command = plan
  assert {
    condition     = length(module.agent_region) == 2
    error_message = "expected one agent group per region"
  }
  assert {
    condition     = module.agent_region["eu-west-1"].desired_agents == 3
    error_message = "eu-west-1 should ask for 3 agents"
  }
}

run "operator_port_is_not_open_to_the_world" {
  command = plan
  variables {
    operator_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.operator_cidrs]
}

run "agent_counts_are_whole_numbers" {
  command = plan
  variables {
    agent_regions = { "eu-west-1" = { agents = 2.5 } }
  }
  expect_failures = [var.agent_regions]
}
