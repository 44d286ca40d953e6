# METADATA
# title: ECR interface endpoints span every private zone and are locked down
# description: >-
#   An ECR endpoint in one availability zone fails every pull from the
#   others when that zone goes down (or sends them across zones); a security
#   group that does not admit HTTPS from the VPC makes the endpoint useless;
#   the default endpoint policy lets any principal reach any registry through
#   it. In scope VPCs (vpc_scope), every ecr.api and ecr.dkr interface
#   endpoint must have a subnet in every availability zone that has a private
#   subnet, a security group that admits TCP 443 from the VPC's CIDR, and,
#   when trusted_accounts is configured, an endpoint policy that does not
#   grant everyone every action without a condition. A VPC without ECR
#   interface endpoints is N/A here (vpc-ecr-endpoints fails it).
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
#   - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
# custom:
#   id: vpc-ecr-endpoints-depth
#   severity: MEDIUM
#   resource_type: vpc
#   frameworks:
#     nist-800-53-r5: [SC-7, CP-10]
#   remediation:
#     cli: >-
#       aws ec2 modify-vpc-endpoint --vpc-endpoint-id VPCE --add-subnet-ids SUBNET_IN_MISSING_AZ
#       --add-security-group-ids SG_ADMITTING_443_FROM_VPC
#       --policy-document '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*",
#       "Condition":{"StringEquals":{"aws:PrincipalAccount":["ACCOUNT"]}}}]}'
#     terraform: |-
#       resource "aws_vpc_endpoint" "ecr_api" {
#         vpc_id              = aws_vpc.main.id
#         service_name        = "com.amazonaws.${var.region}.ecr.api"
#         vpc_endpoint_type   = "Interface"
#         subnet_ids          = aws_subnet.private[*].id # one per availability zone
#         security_group_ids  = [aws_security_group.endpoints.id] # ingress tcp/443 from the VPC CIDR
#         private_dns_enabled = true
#         policy              = data.aws_iam_policy_document.ecr_endpoint.json
#       }
package ecr.vpc_endpoints_depth

import data.lib.cidr
import data.lib.iam
import data.lib.network
import data.lib.verdict as outcome

_services := {concat("", ["com.amazonaws.", input.region, ".ecr.api"]): "ecr.api", concat("", ["com.amazonaws.", input.region, ".ecr.dkr"]): "ecr.dkr"}

_endpoints := [e |
	some e in input.vpcEndpoints
	_services[e.ServiceName]
	is_string(e.VpcEndpointType)
	lower(e.VpcEndpointType) == "interface"
]

_label(e) := concat(" ", [_services[e.ServiceName], "endpoint", e.VpcEndpointId])

_zone_of := {s.SubnetId: s.AvailabilityZone | some s in input.subnets}

_zones(e) := {z | some id in e.SubnetIds; z := _zone_of[id]}

_vpc_cidr := input.vpc.CidrBlock

_groups := {g.GroupId: g | some g in input.securityGroups}

# A permission that lets TCP 443 in: all traffic, or TCP with a port range that holds 443.
_admits_443(p) if p.IpProtocol == "-1"

_admits_443(p) if {
	p.IpProtocol in {"tcp", "6"}
	p.FromPort <= 443
	p.ToPort >= 443
}

_admits_vpc(e) if {
	some ref in e.Groups
	some p in _groups[ref.GroupId].IpPermissions
	_admits_443(p)
	some r in p.IpRanges
	cidr.contains_cidr(r.CidrIp, _vpc_cidr)
}

_trusted_configured if count(data.ecrscan.config.trusted_accounts) > 0

_policy_document(e) := input.derived.vpcEndpointPolicies[e.VpcEndpointId].document

# No policy document is the default policy: everyone, every action.
_open_policy(e) if not _policy_document(e)

_open_policy(e) if {
	some st in iam.statements(_policy_document(e))
	iam.is_allow(st)
	some p in iam.principals(st)
	p.kind == "public"
	some a in iam.actions(st)
	a == "*"
	not iam.restricted(st)
}

_problems contains problem if {
	some e in _endpoints
	missing := network.private_zones - _zones(e)
	count(missing) > 0
	problem := concat("", [_label(e), " has no subnet in ", outcome.join(", ", missing)])
}

_problems contains problem if {
	some e in _endpoints
	not _admits_vpc(e)
	problem := concat("", [_label(e), " has no security group admitting TCP 443 from ", _cidr_text])
}

_problems contains problem if {
	_trusted_configured
	some e in _endpoints
	_open_policy(e)
	problem := concat("", [_label(e), " policy grants everyone every action without a condition"])
}

_cidr_text := _vpc_cidr if is_string(_vpc_cidr) else := "the VPC (its CIDR is missing from the input)"

_groups_known if is_array(input.securityGroups)

_policy_text := ", and their policies do not grant everyone everything" if _trusted_configured else := ""

verdict := v if {
	v := outcome.errors_of(input.errors, ["subnets", "routeTables", "vpcEndpoints", "securityGroups"])
} else := {"status": "N/A", "reason": network.out_of_scope_reason} if {
	not network.in_scope
} else := {"status": "N/A", "reason": "the VPC has no ECR interface endpoints (vpc-ecr-endpoints judges that)"} if {
	count(_endpoints) == 0
} else := v if {
	# Planned infrastructure: a subnet whose zone AWS picks on creation (ecrscan iac).
	v := outcome.errors_of(input.errors, ["availabilityZones"])
} else := {"status": "FAIL", "reason": "the endpoints' security groups are missing from the input"} if {
	not _groups_known
} else := {"status": "FAIL", "reason": outcome.join("; ", _problems)} if {
	count(_problems) > 0
} else := {"status": "PASS", "reason": concat("", [
	"ECR interface endpoints span every private zone (", outcome.join(", ", network.private_zones),
	") and admit TCP 443 from ", _cidr_text, _policy_text,
])}
