# A real Terraform estate for ecrscan's tests: every control's IaC path, planned offline by
# ../regenerate.py (terraform plan -refresh=false, then terraform show -json) into plan.json.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

locals {
  skip = true # no AWS call at plan time: the tests plan offline with fake credentials
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "AKIAEXAMPLEEXAMPLE00"
  secret_key                  = "not-a-secret"
  skip_credentials_validation = local.skip
  skip_requesting_account_id  = local.skip
  skip_metadata_api_check     = local.skip
  skip_region_validation      = local.skip
}

provider "aws" {
  alias                       = "us"
  region                      = "us-east-1"
  access_key                  = "AKIAEXAMPLEEXAMPLE00"
  secret_key                  = "not-a-secret"
  skip_credentials_validation = local.skip
  skip_requesting_account_id  = local.skip
  skip_metadata_api_check     = local.skip
  skip_region_validation      = local.skip
}

# -- repositories --------------------------------------------------------------------------

resource "aws_kms_key" "ecr" {
  description = "ECR images"
}

resource "aws_ecr_repository" "api" {
  name                 = "team/api"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.ecr.arn
  }
}

# Several repositories from one block: for_each keys become part of each address.
resource "aws_ecr_repository" "service" {
  for_each             = toset(["billing", "search"])
  name                 = "team/${each.key}"
  image_tag_mutability = each.key == "billing" ? "IMMUTABLE" : "MUTABLE"
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = "alias/ecr-images" # a customer managed key by its alias
  }
}

resource "aws_ecr_repository" "legacy" {
  name = "legacy/monolith" # every default: MUTABLE, no scan on push, AES256
  tags = {
    "ecrscan:suppress:ecr-kms-cmk" = "AES256 until the monolith is retired - OPS-7"
  }
}

resource "aws_ecr_repository" "managed_key" {
  name = "shared/base"
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = "alias/aws/ecr" # the AWS managed key
  }
}

resource "aws_ecr_lifecycle_policy" "api" {
  repository = aws_ecr_repository.api.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 50 }
        action       = { type = "expire" }
      },
    ]
  })
}

data "aws_iam_policy_document" "pull" {
  statement {
    sid     = "CiPull"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:role/ci"]
    }
  }
}

resource "aws_ecr_repository_policy" "api" {
  repository = aws_ecr_repository.api.name
  policy     = data.aws_iam_policy_document.pull.json
}

resource "aws_ecr_repository_policy" "legacy" {
  repository = aws_ecr_repository.legacy.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Everyone"
      Effect    = "Allow"
      Principal = "*"
      Action    = ["ecr:BatchGetImage", "ecr:PutImage"]
    }]
  })
}

module "ingress" {
  source    = "./modules/repository"
  providers = { aws = aws.us }
  name      = "platform/ingress"
}

# -- the registry --------------------------------------------------------------------------

resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = "*"
      filter_type = "WILDCARD"
    }
  }
}

resource "aws_ecr_replication_configuration" "this" {
  replication_configuration {
    rule {
      destination {
        region      = "eu-central-1"
        registry_id = "123456789012"
      }
      repository_filter {
        filter      = "team/"
        filter_type = "PREFIX_MATCH"
      }
    }
  }
}

resource "aws_ecr_registry_policy" "this" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReplicateFromOrg"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = ["ecr:ReplicateImage"]
      Resource  = "arn:aws:ecr:eu-west-1:123456789012:repository/*"
    }]
  })
}

resource "aws_ecr_pull_through_cache_rule" "hub" {
  ecr_repository_prefix = "docker-hub"
  upstream_registry_url = "registry-1.docker.io"
  credential_arn        = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub"
}

resource "aws_ecr_repository_creation_template" "hub" {
  prefix               = "docker-hub"
  applied_for          = ["PULL_THROUGH_CACHE"]
  image_tag_mutability = "IMMUTABLE"
  lifecycle_policy = jsonencode({
    rules = [{
      rulePriority = 1
      selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
      action       = { type = "expire" }
    }]
  })
}

# -- networks ------------------------------------------------------------------------------

module "network" {
  source = "./modules/network"
  cidr   = "10.0.0.0/16"
  zones  = ["eu-west-1a", "eu-west-1b"]
}

# A VPC with a public and a private subnet and no endpoints at all.
resource "aws_vpc" "batch" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_internet_gateway" "batch" {
  vpc_id = aws_vpc.batch.id
}

resource "aws_subnet" "batch_public" {
  vpc_id            = aws_vpc.batch.id
  cidr_block        = "10.1.0.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "batch_private" {
  vpc_id            = aws_vpc.batch.id
  cidr_block        = "10.1.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_route_table" "batch_public" {
  vpc_id = aws_vpc.batch.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.batch.id
  }
}

resource "aws_route_table_association" "batch_public" {
  subnet_id      = aws_subnet.batch_public.id
  route_table_id = aws_route_table.batch_public.id
}
