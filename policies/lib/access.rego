# Whether a principal may make a request, decided offline from the policies
# that govern it: identity policies (Allow minus explicit Deny, with
# wildcards, NotAction and NotResource), a permissions boundary, and the
# resource's own policy.
#
# A request is an object:
#   action    "ecr:BatchGetImage"
#   resource  the repository ARN, or "*" (ecr:GetAuthorizationToken)
#   context   the condition keys known offline, in lower case
#             ({"aws:principalaccount": "111122223333", ...})
#   callers   who the caller is to a resource policy's Principal:
#             [{"type": "AWS", "value": "111122223333"}, ...]
#   specific  the subset of callers that names the caller itself (its ARN, or
#             a service), not merely its account
#   mode      identity (identity policies alone), same-account (identity
#             policies, or a resource policy naming the caller), cross-account
#             (identity policies and the resource policy) or resource (the
#             resource policy alone, for a service principal)
#
# A subject is {"policies": [{label, document}], "boundary": {label,
# document} or null, "resourcePolicy": {label, document} or null}; a document
# that is null or not an object could not be read. A condition on a key the
# context lacks cannot be decided offline: a statement it guards is undecided,
# and a verdict that turns on it is ERROR naming the key, never PASS.
package lib.access

import data.lib.conditions
import data.lib.iam
import data.lib.verdict as outcome
import data.lib.wildcard

# ---------------------------------------------------------------------------
# Does a statement speak of this action, resource and caller?

_has(st, field) if {
	is_object(st)
	some key in object.keys(st)
	key == field
}

action_matches(st, action) if {
	_has(st, "Action")
	some pattern in iam.as_list(st.Action)
	is_string(pattern)
	wildcard.matches_fold(pattern, action)
}

action_matches(st, action) if {
	not _has(st, "Action")
	_has(st, "NotAction")
	not _pattern_hit(iam.as_list(st.NotAction), action, true)
}

resource_matches(st, resource) if {
	_has(st, "Resource")
	some pattern in iam.as_list(st.Resource)
	is_string(pattern)
	wildcard.matches(pattern, resource)
}

resource_matches(st, resource) if {
	not _has(st, "Resource")
	_has(st, "NotResource")
	not _pattern_hit(iam.as_list(st.NotResource), resource, false)
}

_pattern_hit(patterns, value, true) if {
	some pattern in patterns
	is_string(pattern)
	wildcard.matches_fold(pattern, value)
}

_pattern_hit(patterns, value, false) if {
	some pattern in patterns
	is_string(pattern)
	wildcard.matches(pattern, value)
}

# A resource policy may leave Resource out: it speaks of the resource it is
# attached to.
_resource_ok(st, request, false) if resource_matches(st, request.resource)

_resource_ok(st, request, true) if resource_matches(st, request.resource)

_resource_ok(st, _, true) if {
	not _has(st, "Resource")
	not _has(st, "NotResource")
}

# Identity policies name no principal; a resource policy's statement applies
# to a caller its Principal names, or that its NotPrincipal does not.
_principal_ok(_, _, false)

_principal_ok(st, callers, true) if _names(st.Principal, callers)

_principal_ok(st, callers, true) if {
	not _has(st, "Principal")
	_has(st, "NotPrincipal")
	not _names(st.NotPrincipal, callers)
}

_names(principal, _) if principal == "*"

_names(principal, callers) if {
	is_object(principal)
	some type in object.keys(principal)
	some value in iam.as_list(principal[type])
	_is_caller(type, value, callers)
}

_is_caller("AWS", "*", _)

_is_caller(type, value, callers) if {
	some caller in callers
	caller.type == type
	caller.value == value
}

# ---------------------------------------------------------------------------
# Which statements of some policies apply to a request

# Each applying statement: {"effect", "label", "keys"}; keys are the condition
# keys it leaves undecided (none: it applies for certain).
_applying(policies, request, callers, attached) := [m |
	some p in policies
	is_object(p.document)
	statements := iam.statements(p.document)
	some i
	st := statements[i]
	is_object(st)
	effect := _effect(st)
	action_matches(st, request.action)
	_resource_ok(st, request, attached)
	_principal_ok(st, callers, attached)
	not conditions.fails(st, request.context)
	m := {"effect": effect, "label": concat(" ", [p.label, iam.label(st, i)]), "keys": conditions.undecided_keys(st, request.context)}
]

_effect(st) := "Allow" if iam.is_allow(st)

_effect(st) := "Deny" if {
	is_string(st.Effect)
	lower(st.Effect) == "deny"
}

# The labels of policies whose document could not be read, with why where the
# document says ({"parseError": ...}: not JSON, or known only after apply).
_unreadable(policies) := {label |
	some p in policies
	not _readable(p)
	label := concat("", [p.label, _why_unreadable(p)])
}

_why_unreadable(p) := concat("", [" (", p.document.parseError, ")"]) if {
	is_string(p.document.parseError)
} else := ""

_readable(p) if {
	is_object(p.document)
	not _has(p.document, "parseError")
}

# {"allow", "deny": labels of certain statements; "undecided": "<label>
# (condition on <keys>)" of conditional ones, and unreadable policies}.
_decide(policies, request, callers, attached) := d if {
	ms := _applying(policies, request, callers, attached)
	d := {
		"allow": {l | some m in ms; m.effect == "Allow"; count(m.keys) == 0; l := m.label},
		"deny": {l | some m in ms; m.effect == "Deny"; count(m.keys) == 0; l := m.label},
		"maybe_allow": {t | some m in ms; m.effect == "Allow"; count(m.keys) > 0; t := _undecided_text(m)},
		"maybe_deny": {t | some m in ms; m.effect == "Deny"; count(m.keys) > 0; t := _undecided_text(m)},
		"unreadable": _unreadable(policies),
	}
}

_undecided_text(m) := concat("", [m.label, " (condition on ", outcome.join(", ", m.keys), ")"])

_none := {"allow": set(), "deny": set(), "maybe_allow": set(), "maybe_deny": set(), "unreadable": set()}

_identity(subject, request) := _decide(subject.policies, request, [], false)

_boundary(subject, request) := _decide([subject.boundary], request, [], false) if {
	is_object(subject.boundary)
} else := _none

_has_boundary(subject) if is_object(subject.boundary)

_resource(subject, request, callers) := _decide([subject.resourcePolicy], request, callers, true) if {
	is_object(subject.resourcePolicy)
} else := _none

# ---------------------------------------------------------------------------
# The verdict on one request: {"status": PASS|FAIL|ERROR, "reason"}

check(subject, request) := v if {
	id := _identity(subject, request)
	b := _boundary(subject, request)
	r := _resource(subject, request, request.callers)
	s := _resource(subject, request, request.specific)
	v := _verdict(subject, request, id, b, r, s)
}

_verdict(subject, request, id, b, r, s) := {"status": "FAIL", "reason": concat("", [
	request.action, " is explicitly denied by ", outcome.join("; ", _all(id, b, r, "deny")),
])} if {
	count(_all(id, b, r, "deny")) > 0
} else := {"status": "ERROR", "reason": concat("", [
	request.action, " may be denied by ", outcome.join("; ", _all(id, b, r, "maybe_deny")),
	", which cannot be decided offline",
])} if {
	count(_all(id, b, r, "maybe_deny")) > 0
} else := {"status": "ERROR", "reason": concat("", [
	request.action, " cannot be judged: ", outcome.join("; ", _all_unreadable(id, b, r)),
])} if {
	count(_all_unreadable(id, b, r)) > 0
} else := {"status": "PASS", "reason": _granted_text(request, id, r, s)} if {
	_granted(subject, request, id, b, r, s)
} else := {"status": "ERROR", "reason": concat("", [
	request.action, " on ", request.resource, " turns on ", outcome.join("; ", _maybe_allows(request, id, b, r, s)),
	", which cannot be decided offline",
])} if {
	count(_maybe_allows(request, id, b, r, s)) > 0
} else := {"status": "FAIL", "reason": _missing_text(subject, request, id, b, r)}

_all(id, b, r, field) := (id[field] | b[field]) | r[field]

_all_unreadable(id, b, r) := {t |
	some label in (id.unreadable | b.unreadable) | r.unreadable
	t := concat("", [label, " could not be read"])
}

_identity_allows(subject, id, _) if {
	count(id.allow) > 0
	not _has_boundary(subject)
}

_identity_allows(subject, id, b) if {
	count(id.allow) > 0
	_has_boundary(subject)
	count(b.allow) > 0
}

_granted(subject, request, id, b, _, _) if {
	request.mode == "identity"
	_identity_allows(subject, id, b)
}

_granted(subject, request, id, b, r, _) if {
	request.mode == "cross-account"
	_identity_allows(subject, id, b)
	count(r.allow) > 0
}

_granted(subject, request, id, b, _, _) if {
	request.mode == "same-account"
	_identity_allows(subject, id, b)
}

_granted(_, request, _, _, _, s) if {
	request.mode == "same-account"
	count(s.allow) > 0
}

_granted(_, request, _, _, r, _) if {
	request.mode == "resource"
	count(r.allow) > 0
}

_granted_text(request, id, r, s) := concat("", [request.action, " allowed by ", min(id.allow), _and_resource(request, r)]) if {
	count(id.allow) > 0
	request.mode != "resource"
} else := concat("", [request.action, " allowed by ", min(s.allow)]) if {
	request.mode == "same-account"
	count(s.allow) > 0
} else := concat("", [request.action, " allowed by ", min(r.allow)])

_and_resource(request, r) := concat("", [" and ", min(r.allow)]) if {
	request.mode == "cross-account"
	count(r.allow) > 0
} else := ""

# Conditional grants a verdict may turn on, in the parts the mode consults.
_maybe_allows(request, id, b, r, s) := (id.maybe_allow | b.maybe_allow) | _resource_maybe(request, r, s)

_resource_maybe(request, r, s) := r.maybe_allow if {
	request.mode in {"cross-account", "resource"}
} else := s.maybe_allow if {
	request.mode == "same-account"
} else := set()

_missing_text(subject, request, id, b, r) := concat("", [
	"no statement of the identity policies (", _labels(subject.policies), ") allows ",
	request.action, " on ", request.resource,
]) if {
	request.mode != "resource"
	count(id.allow) == 0
} else := concat("", [
	subject.boundary.label, " does not allow ", request.action, " on ", request.resource,
]) if {
	request.mode != "resource"
	_has_boundary(subject)
	count(b.allow) == 0
} else := concat("", [
	"the repository policy does not grant ", request.action, " to ", _caller_text(request),
]) if {
	is_object(subject.resourcePolicy)
} else := concat("", [
	"the repository has no policy granting ", request.action, " to ", _caller_text(request),
])

_labels(policies) := "none attached" if {
	count(policies) == 0
} else := outcome.join(", ", {l | some p in policies; l := p.label})

_caller_text(request) := outcome.join(" or ", {v | some c in request.specific; v := c.value}) if {
	count(request.specific) > 0
} else := outcome.join(" or ", {v | some c in request.callers; v := c.value})

# ---------------------------------------------------------------------------
# Requests

# The request a role makes: its account and ARN are the condition keys known
# offline, and a resource policy names it by ARN, by its account id or by the
# account's root (which delegates to the account's own IAM policies).
role_request(role_arn, account, action, resource, mode) := {
	"action": action,
	"resource": resource,
	"context": object.union(secure, {
		"aws:principalaccount": account, "aws:principalarn": role_arn,
		"aws:principaltype": "AssumedRole", "aws:principalisawsservice": "false",
	}),
	"callers": [
		{"type": "AWS", "value": account},
		{"type": "AWS", "value": concat("", ["arn:", split(role_arn, ":")[1], ":iam::", account, ":root"])},
		{"type": "AWS", "value": role_arn},
	],
	"specific": [{"type": "AWS", "value": role_arn}],
	"mode": mode,
}

# What every ECR request carries: it is made over TLS.
secure := {"aws:securetransport": "true"}

# same-account or cross-account, for a role and a resource's owner.
mode(account, owner) := "same-account" if account == owner else := "cross-account"

# The statements that deny a request, for certain ("deny") or under a
# condition that cannot be decided offline ("maybe_deny"), over every part of
# the subject.
denials(subject, request) := {"deny": _all(id, b, r, "deny"), "maybe_deny": _all(id, b, r, "maybe_deny")} if {
	id := _identity(subject, request)
	b := _boundary(subject, request)
	r := _resource(subject, request, request.callers)
}
