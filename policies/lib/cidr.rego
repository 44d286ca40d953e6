# IPv4 CIDR containment in plain Rego: rego-cpp has no net.cidr_contains.
package lib.cidr

_cidr_pattern := `^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})/([0-9]{1,2})$`

# 2^0 .. 2^32, indexed by the number of host bits.
_pow2 := [
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
	131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216, 33554432,
	67108864, 134217728, 268435456, 536870912, 1073741824, 2147483648, 4294967296,
]

_address(ip) := ((to_number(p[0]) * 256 + to_number(p[1])) * 256 + to_number(p[2])) * 256 + to_number(p[3]) if {
	p := split(ip, ".")
}

_parts(cidr) := {"address": _address(halves[0]), "length": to_number(halves[1])} if {
	is_string(cidr)
	regex.match(_cidr_pattern, cidr)
	halves := split(cidr, "/")
	to_number(halves[1]) <= 32
}

# True when every address of inner lies inside outer (both IPv4 CIDR blocks).
contains_cidr(outer, inner) if {
	o := _parts(outer)
	i := _parts(inner)
	o.length <= i.length
	block := _pow2[32 - o.length]
	floor(o.address / block) == floor(i.address / block)
}
