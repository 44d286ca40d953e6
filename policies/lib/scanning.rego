# How ECR matches a registry scanning rule's repository filter to a repository name.
package lib.scanning

import data.lib.wildcard

# A filter without `*` matches every name that contains it; with `*` it is a pattern over the
# whole name (the same reading ecr-scan-on-push applies).
filter_matches(f, name) if {
	is_string(f)
	not contains(f, "*")
	contains(name, f)
}

filter_matches(f, name) if {
	is_string(f)
	contains(f, "*")
	wildcard.matches(f, name)
}
