"""What pulls images (ECS services, Lambda functions), who pulls them, and through which network.

Each module has one job: `ecs_services` and `lambda_functions` list the consumers of a region,
`container_instances` finds the instance role and subnets of EC2-hosted services,
`iam_authorization` reads an account's roles and policies once, `nat_gateways` the region's NAT
gateways, and `referenced_images` looks up every image a consumer names in the repositories of
the scan. `image_uri` parses image references and imports nothing from AWS.
"""
