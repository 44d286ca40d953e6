# A VPC document's private subnets, the way vpc-ecr-endpoints decides them: a subnet is served
# by its explicitly associated route table, else by the main one, and is private when that
# table has no internet gateway route.
package lib.network

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

# min, not sort(...)[0]: rego-cpp cannot index the array sort makes of a set.
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

private_subnets := {s.SubnetId | some s in input.subnets; not _public_subnet(s.SubnetId)}

# The availability zones that hold a private subnet.
private_zones := {s.AvailabilityZone |
	some s in input.subnets
	s.SubnetId in private_subnets
	is_string(s.AvailabilityZone)
}

# Is the VPC judged under vpc_scope (private: it has a private subnet; all; or listed)?
_scope := data.ecrscan.config.vpc_scope

_mode := _scope.mode if _scope.mode in {"all", "listed", "private"} else := "private"

in_scope if _mode == "all"

in_scope if {
	_mode == "listed"
	input.vpc.VpcId in _scope.vpc_ids
}

in_scope if {
	_mode == "private"
	count(private_subnets) > 0
}

out_of_scope_reason := concat("", [_vpc_id, " is not listed in vpc_scope.vpc_ids"]) if {
	_mode == "listed"
} else := concat("", [_vpc_id, " has no private subnet (vpc_scope mode private)"])

_vpc_id := input.vpc.VpcId if is_string(input.vpc.VpcId) else := "the VPC"
