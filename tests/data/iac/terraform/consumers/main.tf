# A real Terraform estate of image consumers (issue 14), planned offline by ../regenerate.py:
# ECS services on Fargate and EC2 with their task definitions, Lambda functions packaged as
# images, the roles that pull and the networks the pulls leave through. Each service fails or
# passes the consumer controls for one reason, named beside it.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

locals {
  skip     = true # no AWS call at plan time: the tests plan offline with fake credentials
  account  = "123456789012"
  registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
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

# -- repositories --------------------------------------------------------------------------

resource "aws_ecr_repository" "api" {
  name                 = "team/api"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_repository" "worker" {
  name = "team/worker" # MUTABLE: a tag can move
}

resource "aws_ecr_repository" "audit" {
  name                 = "team/audit"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_repository" "reports" {
  name                 = "team/reports"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_repository" "thumbs" {
  name                 = "media/thumbs"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_repository" "resize" {
  name                 = "media/resize" # no policy: the Lambda service may not read it
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_repository_policy" "thumbs" {
  repository = aws_ecr_repository.thumbs.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaECRImageRetrievalPolicy"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      Condition = { StringLike = { "aws:sourceArn" = "arn:aws:lambda:eu-west-1:${local.account}:function:*" } }
    }]
  })
}

# -- networks ------------------------------------------------------------------------------

resource "aws_vpc" "app" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_hostnames = true
}

resource "aws_subnet" "private_endpoints" {
  vpc_id            = aws_vpc.app.id
  cidr_block        = "10.20.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "private_nat" {
  vpc_id            = aws_vpc.app.id
  cidr_block        = "10.20.2.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.app.id
  cidr_block        = "10.20.100.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_internet_gateway" "app" {
  vpc_id = aws_vpc.app.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "app" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}

resource "aws_route_table" "endpoints" {
  vpc_id = aws_vpc.app.id # no default route: only the endpoints lead to ECR
}

resource "aws_route_table" "nat" {
  vpc_id = aws_vpc.app.id
}

resource "aws_route" "nat" {
  route_table_id         = aws_route_table.nat.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.app.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.app.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.app.id
  }
}

resource "aws_route_table_association" "endpoints" {
  subnet_id      = aws_subnet.private_endpoints.id
  route_table_id = aws_route_table.endpoints.id
}

resource "aws_route_table_association" "nat" {
  subnet_id      = aws_subnet.private_nat.id
  route_table_id = aws_route_table.nat.id
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "tasks" {
  name   = "tasks"
  vpc_id = aws_vpc.app.id
}

resource "aws_vpc_endpoint" "ecr" {
  for_each            = toset(["ecr.api", "ecr.dkr"])
  vpc_id              = aws_vpc.app.id
  service_name        = "com.amazonaws.eu-west-1.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.private_endpoints.id]
  security_group_ids  = [aws_security_group.tasks.id]
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.app.id
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.endpoints.id]
}

# A VPC with no way out at all: no endpoints, no default route.
resource "aws_vpc" "isolated" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_subnet" "isolated" {
  vpc_id            = aws_vpc.isolated.id
  cidr_block        = "10.30.1.0/24"
  availability_zone = "eu-west-1a"
}

# -- roles ---------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# The usual execution role: the AWS managed policy grants the pull.
resource "aws_iam_role" "execution" {
  name               = "app-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

# An execution role that may write logs and nothing else.
resource "aws_iam_role" "logs_only" {
  name               = "worker-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_iam_role_policy" "logs_only" {
  name = "logs"
  role = aws_iam_role.logs_only.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "*" }]
  })
}

# A role whose name AWS generates, with a customer managed policy attached by reference.
resource "aws_iam_policy" "team_pull" {
  name = "team-pull"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Token", Effect = "Allow", Action = "ecr:GetAuthorizationToken", Resource = "*" },
      {
        Sid      = "Pull"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = "arn:aws:ecr:eu-west-1:${local.account}:repository/team/*"
      },
    ]
  })
}

resource "aws_iam_role" "web" {
  name_prefix        = "web-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_iam_role_policy_attachment" "web" {
  role       = aws_iam_role.web.name
  policy_arn = aws_iam_policy.team_pull.arn
}

# A pull policy scoped to a repository's ARN, which only apply tells.
resource "aws_iam_role" "audit" {
  name               = "audit-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
  inline_policy {
    name = "pull"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [
        { Effect = "Allow", Action = "ecr:GetAuthorizationToken", Resource = "*" },
        { Effect = "Allow", Action = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource = aws_ecr_repository.audit.arn },
      ]
    })
  }
}

resource "aws_iam_role" "functions" {
  name = "functions"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

# -- ECS -----------------------------------------------------------------------------------

resource "aws_ecs_cluster" "prod" {
  name = "prod"
}

locals {
  fargate = {
    network_mode             = "awsvpc"
    requires_compatibilities = ["FARGATE"]
    cpu                      = "256"
    memory                   = "512"
  }
}

# PASS everywhere it can: an IMMUTABLE tag, the managed execution policy, the ECR endpoints.
# The image is not pushed yet: its repository is created by this plan.
resource "aws_ecs_task_definition" "api" {
  family                   = "api"
  network_mode             = local.fargate.network_mode
  requires_compatibilities = local.fargate.requires_compatibilities
  cpu                      = local.fargate.cpu
  memory                   = local.fargate.memory
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([
    { name = "api", image = "${local.registry}/${aws_ecr_repository.api.name}:1.4.2", essential = true },
  ])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.api.arn
  launch_type     = "FARGATE"
  desired_count   = 2
  network_configuration {
    subnets          = [aws_subnet.private_endpoints.id]
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }
  tags = { environment = "production" }
}

# FAIL: a mutable tag, an execution role without ECR permissions, a subnet with no way out.
resource "aws_ecs_task_definition" "worker" {
  family                   = "worker"
  network_mode             = local.fargate.network_mode
  requires_compatibilities = local.fargate.requires_compatibilities
  cpu                      = local.fargate.cpu
  memory                   = local.fargate.memory
  execution_role_arn       = aws_iam_role.logs_only.arn
  container_definitions = jsonencode([
    { name = "worker", image = "${local.registry}/team/worker:latest", essential = true },
  ])
}

resource "aws_ecs_service" "worker" {
  name            = "worker"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.worker.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets = [aws_subnet.isolated.id]
  }
  tags = {
    environment                                = "production"
    "ecrscan:suppress:consumer-image-pinned" = "the worker follows latest until v2 - OPS-311"
  }
}

# Through the NAT gateway: a Docker Hub image (a tag that can move) beside one pinned by digest;
# the role's name is generated, its customer managed policy grants team/*.
resource "aws_ecs_task_definition" "web" {
  family                   = "web"
  network_mode             = local.fargate.network_mode
  requires_compatibilities = local.fargate.requires_compatibilities
  cpu                      = local.fargate.cpu
  memory                   = local.fargate.memory
  execution_role_arn       = aws_iam_role.web.arn
  container_definitions = jsonencode([
    { name = "proxy", image = "nginx:1.27", essential = true },
    { name = "app", image = "${local.registry}/team/api@sha256:${join("", [for i in range(8) : "0123abcd"])}", essential = true },
  ])
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.web.arn
  launch_type     = "FARGATE"
  desired_count   = 2
  network_configuration {
    subnets = [aws_subnet.private_nat.id]
  }
}

# A public subnet, but the tasks get no public IP.
resource "aws_ecs_service" "edge" {
  name            = "edge"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.web.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets          = [aws_subnet.public.id]
    assign_public_ip = false
  }
}

# ERROR: the pull policy names a repository ARN that only apply tells.
resource "aws_ecs_task_definition" "audit" {
  family                   = "audit"
  network_mode             = local.fargate.network_mode
  requires_compatibilities = local.fargate.requires_compatibilities
  cpu                      = local.fargate.cpu
  memory                   = local.fargate.memory
  execution_role_arn       = aws_iam_role.audit.arn
  container_definitions = jsonencode([
    { name = "audit", image = "${local.registry}/${aws_ecr_repository.audit.name}:2.0.0", essential = true },
  ])
}

resource "aws_ecs_service" "audit" {
  name            = "audit"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.audit.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets = [aws_subnet.private_endpoints.id]
  }
}

# ERROR: the image is the repository's URL, which only apply tells.
resource "aws_ecs_task_definition" "reports" {
  family                   = "reports"
  network_mode             = local.fargate.network_mode
  requires_compatibilities = local.fargate.requires_compatibilities
  cpu                      = local.fargate.cpu
  memory                   = local.fargate.memory
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([
    { name = "reports", image = "${aws_ecr_repository.reports.repository_url}:3.0", essential = true },
  ])
}

resource "aws_ecs_service" "reports" {
  name            = "reports"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.reports.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets = [aws_subnet.private_endpoints.id]
  }
}

# A repository and a role this plan does not declare: whether they allow the pull is live state.
# Also a typo in the second image, which no registry would accept.
resource "aws_ecs_task_definition" "legacy" {
  family                   = "legacy"
  network_mode             = local.fargate.network_mode
  requires_compatibilities = local.fargate.requires_compatibilities
  cpu                      = local.fargate.cpu
  memory                   = local.fargate.memory
  execution_role_arn       = "arn:aws:iam::${local.account}:role/ecsTaskExecutionRole"
  container_definitions = jsonencode([
    { name = "legacy", image = "${local.registry}/legacy/app:2.0", essential = true },
  ])
}

resource "aws_ecs_service" "legacy" {
  name            = "legacy"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.legacy.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets = [aws_subnet.private_nat.id]
  }
}

resource "aws_ecs_task_definition" "typo" {
  family                   = "typo"
  network_mode             = local.fargate.network_mode
  requires_compatibilities = local.fargate.requires_compatibilities
  cpu                      = local.fargate.cpu
  memory                   = local.fargate.memory
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([
    { name = "typo", image = "${local.registry}/Team/API:1.4.2", essential = true },
  ])
}

resource "aws_ecs_service" "typo" {
  name            = "typo"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.typo.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets = [aws_subnet.private_endpoints.id]
  }
}

# On EC2 container instances: their subnets and roles exist only at run time.
resource "aws_ecs_task_definition" "batch" {
  family                   = "batch"
  requires_compatibilities = ["EC2"]
  memory                   = "512"
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([
    { name = "batch", image = "${local.registry}/${aws_ecr_repository.api.name}:1.4.2", essential = true },
  ])
}

resource "aws_ecs_service" "batch" {
  name            = "batch"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.batch.arn
  launch_type     = "EC2"
  desired_count   = 1
}

# -- Lambda --------------------------------------------------------------------------------

# The repository policy lets the Lambda service read the image, from functions of this account.
resource "aws_lambda_function" "thumbs" {
  function_name = "thumbs"
  package_type  = "Image"
  image_uri     = "${local.registry}/${aws_ecr_repository.thumbs.name}:7"
  role          = aws_iam_role.functions.arn
  vpc_config {
    subnet_ids         = [aws_subnet.private_nat.id]
    security_group_ids = [aws_security_group.tasks.id]
  }
}

# No repository policy: the Lambda service may not read the image.
resource "aws_lambda_function" "resize" {
  function_name = "resize"
  package_type  = "Image"
  image_uri     = "${local.registry}/${aws_ecr_repository.resize.name}:1.0"
  role          = aws_iam_role.functions.arn
}

# A zip function pulls nothing from ECR: not a consumer.
resource "aws_lambda_function" "zip" {
  function_name = "zip"
  filename      = "function.zip"
  handler       = "index.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.functions.arn
}
