# Reading IAM policy documents: statements, principals, actions, conditions.
#
# Every function accepts the spellings IAM treats as equal: a value or a list
# of values, Statement as an object or a list, condition keys in any case.
# Comprehensions bind their term in the body: rego-cpp can return an empty
# set for a term that names a function argument.
package lib.iam

import data.lib.wildcard

# IAM lets most fields be one value or a list of them.
as_list(x) := x if {
	is_array(x)
} else := [x] if {
	is_string(x)
} else := []

# The statements of a policy document, always as a list.
statements(doc) := doc.Statement if {
	is_array(doc.Statement)
} else := [doc.Statement] if {
	is_object(doc.Statement)
} else := []

# Effect is case-sensitive in IAM; folding it only widens what is judged.
# Every builtin here is handed only the type it needs: OPA stops the whole
# query on a type error (a number where a string belongs), where rego-cpp
# would merely be undefined.
is_allow(st) if {
	is_string(st.Effect)
	lower(st.Effect) == "allow"
}

# How a reason names a statement: by Sid, or by position when it has none.
label(st, i) := sprintf("statement \"%v\"", [st.Sid]) if {
	is_string(st.Sid)
	st.Sid != ""
} else := sprintf("Statement[%d]", [i])

# The actions that push, delete, or change who may do either.
write_actions := {
	"ecr:putimage", "ecr:initiatelayerupload", "ecr:uploadlayerpart",
	"ecr:completelayerupload", "ecr:batchdeleteimage", "ecr:deleterepository",
	"ecr:setrepositorypolicy", "ecr:deleterepositorypolicy",
	"ecr:putlifecyclepolicy", "ecr:deletelifecyclepolicy",
	"ecr:putimagetagmutability", "ecr:putimagescanningconfiguration",
	"ecr:tagresource", "ecr:untagresource", "ecr:replicateimage",
}

# The Action patterns of a statement, as written.
actions(st) := as_list(st.Action) if {
	st.Action != null
} else := []

# A pattern that grants every ECR action (`*`, `ecr:*`, `Ecr:*`, `*:*`):
# matching the literal text "ecr:*" proves its wildcard covers the whole name.
# `?` stands for one character only, so a pattern with one never does.
grants_all(pattern) if {
	is_string(pattern)
	not contains(pattern, "?")
	wildcard.matches_fold(pattern, "ecr:*")
}

# A pattern that matches at least one write action (`ecr:Put*`, `ecr:*Layer*`).
grants_write(pattern) if {
	is_string(pattern)
	some w in write_actions
	wildcard.matches_fold(pattern, w)
}

# The write-granting Action patterns of a statement.
write_patterns(st) := {p |
	some p in actions(st)
	grants_write(p)
}

# ---------------------------------------------------------------------------
# Principals

# Each principal a statement names, as {"kind", "account", "name"}; kind is
# public, account, service, unknown (an AWS value that names no account, such
# as a deleted role's unique id) or other (Federated, CanonicalUser).
principals(st) := {principal("AWS", st.Principal)} if {
	is_string(st.Principal)
} else := {p |
	some type in object.keys(st.Principal)
	some v in as_list(st.Principal[type])
	p := principal(type, v)
} if {
	is_object(st.Principal)
} else := set()

principal(type, v) := {"kind": principal_kind(type, v), "account": account_of(v), "name": v}

principal_kind(type, v) := "service" if {
	type == "Service"
} else := "other" if {
	type != "AWS"
} else := "public" if {
	contains(account_of(v), "*")
} else := "account" if {
	regex.match(`^[0-9]{12}$`, account_of(v))
} else := "unknown"

# The account a principal value names: "*" for everyone, the digits of an
# account id, or the account field of an ARN (`arn:aws:iam::*:root` is "*").
account_of(v) := "*" if {
	v == "*"
} else := v if {
	is_string(v)
	regex.match(`^[0-9]{12}$`, v)
} else := split(v, ":")[4] if {
	is_string(v)
	startswith(v, "arn:")
} else := ""

# ---------------------------------------------------------------------------
# Conditions

# The condition keys that narrow a grant to an organisation, account,
# principal, source resource or network.
restricting_keys := {
	"aws:principalorgid", "aws:principalorgpaths", "aws:sourceaccount",
	"aws:principalaccount", "aws:principalarn", "aws:sourcearn",
	"aws:sourcevpce", "aws:sourcevpc",
}

# Keys whose value is an id: any wildcard in it can match another account.
_id_keys := {"aws:principalorgid", "aws:sourceaccount", "aws:principalaccount", "aws:sourcevpce", "aws:sourcevpc"}

_arn_keys := {"aws:principalarn", "aws:sourcearn"}

# Operators that require the key to be present and to match. IfExists and
# ForAllValues: are met by a request without the key (an anonymous caller),
# and negated operators allow everything they do not name.
_matching_operators := {"stringequals", "stringlike", "stringequalsignorecase", "arnequals", "arnlike"}

# Each (operator, key, values) entry of a statement's Condition block, with
# operator and key folded to lower case and values always a list. (Keys are
# read with object.keys: rego-cpp cannot parse `some k, v in` inside a
# comprehension.)
conditions(st) := [c |
	is_object(st.Condition)
	some op in object.keys(st.Condition)
	block := st.Condition[op]
	is_object(block)
	some key in object.keys(block)
	c := {"operator": lower(op), "key": lower(key), "values": as_list(block[key])}
]

# A condition entry that narrows the grant: a matching operator (optionally
# ForAnyValue:), a restricting key, and only specific values.
restricting(c) if {
	trim_prefix(c.operator, "foranyvalue:") in _matching_operators
	c.key in restricting_keys
	count(c.values) > 0
	every v in c.values {
		specific(c.key, v)
	}
}

# True when some condition entry of the statement narrows it.
restricted(st) if {
	some c in conditions(st)
	restricting(c)
}

# A value that names one account, organisation, principal or network.
specific(key, v) if {
	is_string(v)
	v != ""
	not _matches_any(key, v)
}

_matches_any(key, v) if {
	key in _id_keys
	wildcard.has_wildcard(v)
}

# An organisation path is specific when its organisation is: o-abc/* is.
_matches_any(key, v) if {
	key == "aws:principalorgpaths"
	wildcard.has_wildcard(split(v, "/")[0])
}

_matches_any(key, v) if {
	key in _arn_keys
	not _arn_pinned(v)
}

# An ARN is specific when its account field is fixed, or when it has no
# account field (an S3 bucket) and no wildcard at all.
_arn_pinned(v) if {
	account := split(v, ":")[4]
	account != ""
	not wildcard.has_wildcard(account)
}

_arn_pinned(v) if {
	count(split(v, ":")) >= 6
	split(v, ":")[4] == ""
	not wildcard.has_wildcard(v)
}

# True when a restricting condition limits callers to one account: the
# account keys naming only it, or the ARN keys naming only its principals.
pinned_to(st, account) if {
	some c in conditions(st)
	restricting(c)
	c.key in {"aws:principalaccount", "aws:sourceaccount"}
	every v in c.values {
		v == account
	}
}

pinned_to(st, account) if {
	some c in conditions(st)
	restricting(c)
	c.key in _arn_keys
	every v in c.values {
		split(v, ":")[4] == account
	}
}

# The organisations a statement grants to through aws:PrincipalOrgID under a
# positive operator (any quantifier, with or without IfExists).
granted_orgs(st) := {v |
	some c in conditions(st)
	c.key == "aws:principalorgid"
	_positive(c.operator)
	some v in c.values
	is_string(v)
}

_positive(op) if {
	bare := trim_suffix(trim_prefix(trim_prefix(op, "foranyvalue:"), "forallvalues:"), "ifexists")
	bare in _matching_operators
}
