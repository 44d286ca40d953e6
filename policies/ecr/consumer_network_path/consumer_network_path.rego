# METADATA
# title: Every subnet a service pulls from has a way to its images
# description: >-
#   A task in a private subnet with no route to ECR fails with
#   CannotPullContainerError after its pull times out. From each subnet a pull
#   leaves (the task's subnets on Fargate, the container instances' subnets on
#   EC2), an ECR image of the service's own region must be reachable through
#   the ecr.api and ecr.dkr interface endpoints (available, with private DNS)
#   in the VPC plus the S3 gateway endpoint on the subnet's route table, or
#   through a default route to an available public NAT gateway, or to an
#   internet gateway with a public IP (assignPublicIp ENABLED); an image of
#   another region or another registry needs the NAT gateway or the internet
#   gateway. A default route to anything else (transit gateway, firewall
#   appliance, peering) is ERROR: where it leads is outside the scan. Lambda
#   functions pull through the Lambda service and are N/A. Planned
#   infrastructure (ecrscan iac) is judged against the subnets, route tables,
#   endpoints and NAT gateways its source declares: a subnet or NAT gateway it
#   does not declare, or an EC2-hosted service's instances, are ERROR.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
#   - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cannot-pull-image.html
#   - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
# custom:
#   id: consumer-network-path
#   severity: HIGH
#   resource_type: [ecs-service, lambda-function]
#   frameworks:
#     nist-800-53-r5: [SC-7, CP-10]
#   remediation:
#     cli: >-
#       aws ec2 create-vpc-endpoint --vpc-id VPC --vpc-endpoint-type Interface --service-name
#       com.amazonaws.REGION.ecr.dkr --subnet-ids SUBNETS --security-group-ids SG --private-dns-enabled
#       (and ecr.api); aws ec2 create-vpc-endpoint --vpc-id VPC --service-name com.amazonaws.REGION.s3
#       --route-table-ids RTB; or route 0.0.0.0/0 to a NAT gateway
#     terraform: |-
#       resource "aws_vpc_endpoint" "ecr_dkr" {
#         vpc_id              = aws_vpc.main.id
#         service_name        = "com.amazonaws.${var.region}.ecr.dkr"
#         vpc_endpoint_type   = "Interface"
#         private_dns_enabled = true
#         subnet_ids          = aws_subnet.private[*].id
#       }
#
#       resource "aws_vpc_endpoint" "s3" {
#         vpc_id          = aws_vpc.main.id
#         service_name    = "com.amazonaws.${var.region}.s3"
#         route_table_ids = aws_route_table.private[*].id
#       }
package ecr.consumer_network_path

import data.lib.consumers
import data.lib.verdict as outcome

_net := input.network

_locations := _net.locations

# ECR images of the consumer's own region can use the VPC's endpoints; every
# other image (another region, Docker Hub, public ECR) needs the internet.
_regional := {t |
	some img in input.images
	img.registry == "ecr"
	img.region == input.region
	t := consumers.image_text(img)
}

_remote := {t |
	some img in input.images
	img.registry != "invalid"
	not _is_regional(img)
	t := _remote_text(img)
}

_is_regional(img) if {
	img.registry == "ecr"
	img.region == input.region
}

_remote_text(img) := concat("", [consumers.image_text(img), " (", img.region, ")"]) if {
	img.registry == "ecr"
} else := img.uri

# ---------------------------------------------------------------------------
# The way to the internet from one location

_defaults(loc) := {r |
	some r in loc.routeTable.Routes
	r.DestinationCidrBlock == "0.0.0.0/0"
	not _blackhole(r)
}

_blackhole(r) if r.State == "blackhole"

_igw(r) if startswith(r.GatewayId, "igw-")

_nat_ok(r) if {
	is_string(r.NatGatewayId)
	r.natGateway.State == "available"
	not _private_nat(r)
	some route in r.natGateway.subnetRoutes
	route.DestinationCidrBlock == "0.0.0.0/0"
	_igw(route)
	not _blackhole(route)
}

_private_nat(r) if r.natGateway.ConnectivityType == "private"

# The target a default route names, for a reason.
_targets := [
	"GatewayId", "NatGatewayId", "TransitGatewayId", "NetworkInterfaceId", "InstanceId",
	"VpcPeeringConnectionId", "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn",
]

_target(r) := t if {
	some field in _targets
	is_string(r[field])
	t := r[field]
} else := "an unknown target"

_decidable(r) if _igw(r)

_decidable(r) if is_string(r.NatGatewayId)

_has_table(loc) if is_object(loc.routeTable)

_internet(loc) := {"status": "unknown", "text": "its route table is unknown"} if {
	not _has_table(loc)
} else := {"status": "missing", "text": concat("", ["no default route (0.0.0.0/0) on ", loc.routeTable.RouteTableId])} if {
	count(_defaults(loc)) == 0
} else := {"status": "ok", "text": concat("", ["internet gateway ", r.GatewayId])} if {
	some r in _defaults(loc)
	_igw(r)
	loc.publicIp == true
} else := {"status": "ok", "text": concat("", ["NAT gateway ", r.NatGatewayId])} if {
	some r in _defaults(loc)
	_nat_ok(r)
} else := {"status": "unknown", "text": concat("", [
	"the default route goes to ", _target(r), ", whose way on is outside the scan",
])} if {
	some r in _defaults(loc)
	not _decidable(r)
} else := {"status": "unknown", "text": concat("", ["NAT gateway ", r.NatGatewayId, " is ", consumers.outside])} if {
	some r in _defaults(loc)
	is_string(r.NatGatewayId)
	r.natGateway == null
} else := {"status": "missing", "text": outcome.join("; ", _internet_problems(loc))}

_internet_problems(loc) := {p |
	some r in _defaults(loc)
	p := _route_problem(r, loc)
}

_route_problem(r, loc) := concat("", [
	"the default route goes to ", r.GatewayId, " but ", _no_public_ip(loc),
]) if {
	_igw(r)
	loc.publicIp != true
} else := concat("", ["NAT gateway ", r.NatGatewayId, " is private"]) if {
	_private_nat(r)
} else := concat("", ["NAT gateway ", r.NatGatewayId, " is ", r.natGateway.State]) if {
	r.natGateway.State != "available"
} else := concat("", ["NAT gateway ", r.NatGatewayId, " sits in a subnet without an internet gateway route"]) if {
	is_string(r.NatGatewayId)
} else := concat("", ["the default route goes to ", _target(r)])

_no_public_ip(loc) := concat("", ["instance ", loc.InstanceId, " has no public IP"]) if {
	is_string(loc.InstanceId)
} else := "the task gets no public IP (assignPublicIp is not ENABLED)"

# ---------------------------------------------------------------------------
# The way to ECR through the VPC's endpoints

_interface(loc, suffix) if {
	some e in loc.vpcEndpoints
	e.VpcEndpointType == "Interface"
	e.State == "available"
	e.PrivateDnsEnabled == true
	endswith(e.ServiceName, concat("", [".", input.region, suffix]))
}

_s3_gateway(loc) if {
	some e in loc.vpcEndpoints
	e.VpcEndpointType == "Gateway"
	e.State == "available"
	endswith(e.ServiceName, concat("", [".", input.region, ".s3"]))
	loc.routeTable.RouteTableId in e.RouteTableIds
}

_endpoint_gaps(loc) := {g | not _interface(loc, ".ecr.api"); g := "no ecr.api interface endpoint with private DNS"} | {g |
	not _interface(loc, ".ecr.dkr")
	g := "no ecr.dkr interface endpoint with private DNS"
} | {g |
	not _s3_gateway(loc)
	g := concat("", ["no S3 gateway endpoint on ", _table_id(loc)])
}

_table_id(loc) := loc.routeTable.RouteTableId if is_string(loc.routeTable.RouteTableId) else := "its route table"

# ---------------------------------------------------------------------------
# One verdict per location

_where(loc) := concat("", [loc.SubnetId, " (", loc.VpcId, _via(loc), ")"]) if {
	is_string(loc.VpcId)
} else := concat("", [loc.SubnetId, _via_alone(loc)])

_via(loc) := concat("", [", instance ", loc.InstanceId]) if is_string(loc.InstanceId) else := ""

_via_alone(loc) := concat("", [" (instance ", loc.InstanceId, ")"]) if is_string(loc.InstanceId) else := ""

_endpoints_ok(loc) if count(_endpoint_gaps(loc)) == 0

_location(loc) := {"status": "ERROR", "reason": concat("", [
	_where(loc), ": the subnet is not declared in the IaC sources, so its route table is unknown",
])} if {
	loc.found == false
	input.origin == "iac"
} else := {"status": "FAIL", "reason": concat("", [_where(loc), ": the subnet does not exist"])} if {
	loc.found == false
} else := {"status": "FAIL", "reason": concat("", [
	_where(loc), ": ", outcome.join(", ", _remote), " cannot be pulled: ", _internet(loc).text,
])} if {
	count(_remote) > 0
	_internet(loc).status == "missing"
} else := {"status": "FAIL", "reason": concat("", [
	_where(loc), ": ", outcome.join(", ", _regional), " cannot be pulled: ",
	outcome.join(", ", _endpoint_gaps(loc)), "; ", _internet(loc).text,
])} if {
	count(_regional) > 0
	not _endpoints_ok(loc)
	_internet(loc).status == "missing"
} else := {"status": "ERROR", "reason": concat("", [_where(loc), ": ", _internet(loc).text])} if {
	_internet(loc).status == "unknown"
	_needs_internet(loc)
} else := {"status": "PASS", "reason": concat("", [_where(loc), ": ", _path_text(loc)])}

_needs_internet(_) if count(_remote) > 0

_needs_internet(loc) if {
	count(_regional) > 0
	not _endpoints_ok(loc)
}

_path_text(loc) := "ECR endpoints ecr.api and ecr.dkr and the S3 gateway" if {
	_endpoints_ok(loc)
	count(_remote) == 0
} else := concat("", ["ECR endpoints for ", outcome.join(", ", _regional), "; ", _internet(loc).text, " for the rest"]) if {
	_endpoints_ok(loc)
	count(_regional) > 0
} else := _internet(loc).text

_verdicts := {v |
	some loc in _locations
	v := _location(loc)
}

_failing := {v.reason | some v in _verdicts; v.status == "FAIL"}

_undecided := {v.reason | some v in _verdicts; v.status == "ERROR"}

_passing := {v.reason | some v in _verdicts; v.status == "PASS"}

_network_errors := ["vpcs", "subnets", "routeTables", "vpcEndpoints", "natGateways", "containerInstances", "networkConfiguration"]

verdict := consumers.collection_error if {
	consumers.incomplete
} else := {"status": "N/A", "reason": "Lambda pulls the image through its own service when the function is deployed, not from the function's VPC"} if {
	_net.pullsFrom == "lambda-service"
} else := {"status": "N/A", "reason": "the tasks run on premises (ECS Anywhere): their network is outside AWS"} if {
	_net.pullsFrom == "on-premises"
} else := outcome.errors_of(_net.errors, _network_errors) if {
	outcome.errors_of(_net.errors, _network_errors)
} else := {"status": "N/A", "reason": concat("", ["the ", consumers.noun, " names no image"])} if {
	count(input.images) == 0
} else := {"status": "N/A", "reason": "no container instance is registered in the cluster: nothing pulls yet"} if {
	_net.pullsFrom == "container-instance"
	count(_locations) == 0
} else := {"status": "FAIL", "reason": "the service names no subnet for its tasks"} if {
	_net.pullsFrom == "task"
	count(_locations) == 0
} else := {"status": "FAIL", "reason": outcome.join("; ", _failing)} if {
	count(_failing) > 0
} else := {"status": "ERROR", "reason": outcome.join("; ", _undecided)} if {
	count(_undecided) > 0
} else := {"status": "PASS", "reason": outcome.join("; ", _passing)} if {
	count(_passing) > 0
} else := {"status": "ERROR", "reason": "the network is missing from the input"}
