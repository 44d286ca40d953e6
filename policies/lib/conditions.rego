# IAM conditions decided offline, where the request's context knows the key.
#
# A context is an object of condition keys, in lower case, to the value the
# request carries (aws:principalaccount, aws:sourcearn ...). A condition on a
# key the context lacks, or with an operator other than the String, Arn and
# Bool ones, cannot be decided: the statement it guards is undecided, and the
# verdict that turns on it names the key (lib.access).
package lib.conditions

import data.lib.iam
import data.lib.wildcard

_operators := {
	"stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase",
	"stringlike", "stringnotlike", "arnequals", "arnnotequals", "arnlike", "arnnotlike", "bool",
}

_negated := {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike"}

_equal_operators := {"stringequals", "stringnotequals", "arnequals", "arnnotequals"}

_fold_operators := {"stringequalsignorecase", "stringnotequalsignorecase"}

_like_operators := {"stringlike", "stringnotlike", "arnlike", "arnnotlike"}

# The operator without its quantifier and IfExists: the context keys are
# single-valued and present, so neither changes the answer.
_bare(op) := trim_suffix(trim_prefix(trim_prefix(op, "foranyvalue:"), "forallvalues:"), "ifexists")

_known(c, context) if {
	_bare(c.operator) in _operators
	some key in object.keys(context)
	key == c.key
}

_is_negated(c) if _bare(c.operator) in _negated

_value_hit(c, context) if {
	some v in c.values
	_matches(_bare(c.operator), v, context[c.key])
}

_matches(op, v, actual) if {
	op in _equal_operators
	v == actual
}

_matches(op, v, actual) if {
	op in _fold_operators
	is_string(v)
	lower(v) == lower(actual)
}

# Bool compares "true" or "false"; a policy may write either a JSON boolean or
# a string.
_matches("bool", true, "true")

_matches("bool", false, "false")

_matches("bool", v, actual) if {
	is_string(v)
	lower(v) == actual
}

_matches(op, v, actual) if {
	op in _like_operators
	is_string(v)
	wildcard.matches(v, actual)
}

_holds(c, context) if {
	not _is_negated(c)
	_value_hit(c, context)
}

_holds(c, context) if {
	_is_negated(c)
	not _value_hit(c, context)
}

# A decidable condition that fails: the statement does not apply.
fails(st, context) if {
	some c in iam.conditions(st)
	_known(c, context)
	not _holds(c, context)
}

undecided_keys(st, context) := {key |
	some c in iam.conditions(st)
	not _known(c, context)
	key := c.key
}

