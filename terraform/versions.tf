terraform {
  required_version = ">= 1.8"
  required_providers {
    # >= 6: every resource takes its own `region`, so one provider block serves all regions.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.11"
    }
  }
}
