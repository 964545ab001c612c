provider "aws" {
  region = var.home_region
  default_tags {
    tags = merge({ Project = "throng", ThrongFleet = var.name }, var.tags)
  }
}
