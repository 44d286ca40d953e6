# METADATA
# title: VPCs reach ECR through VPC endpoints
# description: >-
#   Workloads in private subnets should pull images without a route to the
#   internet: an ecr.api and an ecr.dkr interface endpoint, available and with
#   private DNS, and an s3 gateway endpoint (image layers live in S3) on the
#   route table of every private subnet. Which VPCs are judged follows
#   vpc_scope: every VPC with a private subnet (default), all, or the listed ids.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
#   - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-55
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-56
# custom:
#   id: vpc-ecr-endpoints
#   severity: MEDIUM
#   resource_type: vpc
#   frameworks:
#     aws-fsbp: [EC2.55, EC2.56]
#   remediation:
#     cli: >-
#       aws ec2 create-vpc-endpoint --vpc-id VPC --vpc-endpoint-type Interface
#       --service-name com.amazonaws.REGION.ecr.api --subnet-ids SUBNETS --security-group-ids SG --private-dns-enabled;
#       the same for com.amazonaws.REGION.ecr.dkr;
#       aws ec2 create-vpc-endpoint --vpc-id VPC --vpc-endpoint-type Gateway
#       --service-name com.amazonaws.REGION.s3 --route-table-ids PRIVATE_ROUTE_TABLES
#     terraform: |-
#       resource "aws_vpc_endpoint" "ecr" {
#         for_each            = toset(["ecr.api", "ecr.dkr"])
#         vpc_id              = aws_vpc.main.id
#         service_name        = "com.amazonaws.${var.region}.${each.key}"
#         vpc_endpoint_type   = "Interface"
#         subnet_ids          = aws_subnet.private[*].id
#         security_group_ids  = [aws_security_group.endpoints.id]
#         private_dns_enabled = true
#       }
#
#       resource "aws_vpc_endpoint" "s3" {
#         vpc_id            = aws_vpc.main.id
#         service_name      = "com.amazonaws.${var.region}.s3"
#         vpc_endpoint_type = "Gateway"
#         route_table_ids   = aws_route_table.private[*].id
#       }
package ecr.vpc_endpoints

import data.lib.verdict as outcome

_vpc_id := input.vpc.VpcId if is_string(input.vpc.VpcId) else := "the VPC"

# ---------------------------------------------------------------------------
# Private subnets: served by their explicitly associated route table, else by
# the main one, and private when that table has no internet gateway route.

_explicit_tables(subnet_id) := {t.RouteTableId |
	some t in input.routeTables
	some a in t.Associations
	a.SubnetId == subnet_id
}

_main_tables := {t.RouteTableId |
	some t in input.routeTables
	some a in t.Associations
	a.Main == true
}

# The least id, so duplicate associations in the input cannot conflict. min,
# not sort(...)[0]: rego-cpp cannot index the array sort makes of a set.
_table_of(subnet_id) := min(_explicit_tables(subnet_id)) if {
	count(_explicit_tables(subnet_id)) > 0
} else := min(_main_tables) if {
	count(_main_tables) > 0
}

_internet_tables := {t.RouteTableId |
	some t in input.routeTables
	some r in t.Routes
	is_string(r.GatewayId)
	startswith(r.GatewayId, "igw-")
}

_public_subnet(subnet_id) if _table_of(subnet_id) in _internet_tables

_private_subnets := {s.SubnetId | some s in input.subnets; not _public_subnet(s.SubnetId)}

_private_tables := {_table_of(id) | some id in _private_subnets}

# ---------------------------------------------------------------------------
# Scope

_scope := data.ecrscan.config.vpc_scope

_mode := _scope.mode if _scope.mode in {"all", "listed", "private"} else := "private"

_listed if input.vpc.VpcId in _scope.vpc_ids

_in_scope if _mode == "all"

_in_scope if {
	_mode == "listed"
	_listed
}

_in_scope if {
	_mode == "private"
	count(_private_subnets) > 0
}

_out_of_scope_reason := concat("", [_vpc_id, " is not listed in vpc_scope.vpc_ids"]) if {
	_mode == "listed"
} else := concat("", [_vpc_id, " has no private subnet (vpc_scope mode private)"])

# ---------------------------------------------------------------------------
# Endpoints. State and type are compared without case: AWS and moto differ.

_service(suffix) := concat("", ["com.amazonaws.", input.region, ".", suffix])

_endpoints(suffix, type) := [e |
	some e in input.vpcEndpoints
	e.ServiceName == _service(suffix)
	is_string(e.VpcEndpointType)
	lower(e.VpcEndpointType) == type
]

_available(e) if {
	is_string(e.State)
	lower(e.State) == "available"
}

_usable_interface(e) if {
	_available(e)
	e.PrivateDnsEnabled == true
}

_id(e) := e.VpcEndpointId if is_string(e.VpcEndpointId) else := "(no id)"

_state_text(e) := sprintf("is in state %v", [e.State]) if e.State != null else := "has no state"

# What keeps one interface endpoint from serving the VPC. The comprehension
# term is a variable bound in the body: rego-cpp returns an empty set for a
# term that names a function argument when the body negates something.
_interface_problems(suffix, e) := {problem |
	not _available(e)
	problem := concat(" ", [suffix, "endpoint", _id(e), _state_text(e)])
} | {problem |
	not e.PrivateDnsEnabled == true
	problem := concat(" ", [suffix, "endpoint", _id(e), "has private DNS disabled"])
}

# Nothing when one endpoint for the service is usable; otherwise what is wrong.
_interface_gaps(suffix) := {gap} if {
	count(_endpoints(suffix, "interface")) == 0
	gap := concat(" ", ["missing", suffix, "interface endpoint"])
} else := set() if {
	some e in _endpoints(suffix, "interface")
	_usable_interface(e)
} else := {gap |
	some e in _endpoints(suffix, "interface")
	some gap in _interface_problems(suffix, e)
}

_s3 := _endpoints("s3", "gateway")

_s3_tables := {id | some e in _s3; _available(e); some id in e.RouteTableIds}

_s3_uncovered := _private_tables - _s3_tables

_s3_gaps := {"missing s3 gateway endpoint"} if {
	count(_s3) == 0
} else := {gap |
	some e in _s3
	not _available(e)
	gap := concat(" ", ["s3 gateway endpoint", _id(e), _state_text(e)])
} | {gap |
	count(_s3_uncovered) > 0
	gap := concat("", ["s3 gateway endpoint not on route tables ", outcome.join(", ", _s3_uncovered)])
}

_gaps := (_interface_gaps("ecr.api") | _interface_gaps("ecr.dkr")) | _s3_gaps

_covered_text := concat("", ["route tables ", outcome.join(", ", _private_tables)]) if {
	count(_private_tables) > 0
} else := "no private route tables"

# ---------------------------------------------------------------------------

verdict := v if {
	v := outcome.errors_of(input.errors, ["subnets", "routeTables", "vpcEndpoints"])
} else := {"status": "N/A", "reason": _out_of_scope_reason} if {
	not _in_scope
} else := v if {
	# Planned infrastructure whose region the source does not tell: the
	# endpoint service names cannot be checked (errors.region).
	v := outcome.errors_of(input.errors, ["region"])
} else := {"status": "FAIL", "reason": outcome.join("; ", _gaps)} if {
	count(_gaps) > 0
} else := {"status": "PASS", "reason": concat("", [
	"ecr.api and ecr.dkr interface endpoints are available with private DNS, and the s3 gateway endpoint serves ",
	_covered_text,
])}
