# METADATA
# title: Repository policies grant least privilege
# description: >-
#   A repository policy can open a repository to every AWS account, to
#   untrusted accounts, or let other accounts push, delete and rewrite the
#   policy itself. Every Allow statement is checked: no grant to everyone
#   without a condition that pins the caller's organisation, account, ARN or
#   network; no NotPrincipal or NotAction with Allow; no ecr:* or *; no write
#   action to anyone outside the owning account; no grant to an account that is
#   neither the owner nor listed in trusted_accounts. A public or external
#   write grant is CRITICAL.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
# custom:
#   id: ecr-repository-policy
#   severity: HIGH
#   resource_type: repository
#   frameworks:
#     nist-800-53-r5: [AC-3, AC-6]
#   remediation:
#     cli: >-
#       aws ecr set-repository-policy --repository-name NAME --policy-text
#       '{"Version":"2012-10-17","Statement":[{"Sid":"OrgPull","Effect":"Allow","Principal":"*",
#       "Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"],
#       "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-exampleorgid"}}}]}'
#       (or aws ecr delete-repository-policy --repository-name NAME)
#     terraform: |-
#       data "aws_iam_policy_document" "pull" {
#         statement {
#           sid     = "OrgPull"
#           actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
#           principals {
#             type        = "AWS"
#             identifiers = ["*"]
#           }
#           condition {
#             test     = "StringEquals"
#             variable = "aws:PrincipalOrgID"
#             values   = ["o-exampleorgid"]
#           }
#         }
#       }
#
#       resource "aws_ecr_repository_policy" "app" {
#         repository = aws_ecr_repository.app.name
#         policy     = data.aws_iam_policy_document.pull.json
#       }
package ecr.repository_policy

import data.lib.iam
import data.lib.verdict as outcome

_policy := input.derived.repositoryPolicy

_statements := iam.statements(_policy.document)

# The account that owns the repository; the input's account when the
# description lacks it.
_owner := input.repository.registryId if {
	is_string(input.repository.registryId)
	input.repository.registryId != ""
} else := input.account_id

_trusted := {a | some a in data.ecrscan.config.trusted_accounts}

_organization := data.ecrscan.config.organization_id if {
	is_string(data.ecrscan.config.organization_id)
} else := ""

# ---------------------------------------------------------------------------
# What is wrong with one Allow statement, each a phrase that follows its label.
# Reasons are joined with concat, never passed through sprintf: rego-cpp's
# sprintf mangles a string that concat or lower produced. Each comprehension
# binds its term in the body: rego-cpp can return an empty set for a term that
# names a function argument.

_problems(st) := union({
	_not_principal(st), _not_action(st), _all_actions(st), _public(st),
	_external_write(st), _untrusted(st), _other_organization(st),
})

_not_principal(st) := {"allows with NotPrincipal, which grants to everyone it does not name"} if {
	st.NotPrincipal != null
} else := set()

_not_action(st) := {"allows with NotAction, which grants every action it does not name"} if {
	st.NotAction != null
} else := set()

_all_actions(st) := {problem |
	some a in iam.actions(st)
	iam.grants_all(a)
	problem := concat("", ["grants every ECR action with ", a])
}

_public(st) := {problem |
	_public_unrestricted(st)
	problem := concat("", ["grants ", _action_text(st), " to everyone without a restricting condition"])
}

_external_write(st) := {problem |
	_grants_write(st)
	outside := _outside(st)
	count(outside) > 0
	problem := concat("", ["grants ", _write_text(st), " to ", outcome.join(", ", outside)])
}

_untrusted(st) := {problem |
	some p in iam.principals(st)
	p.kind == "account"
	p.account != _owner
	not p.account in _trusted
	problem := concat("", [
		"grants access to untrusted account ", p.account,
		" (neither the owner nor in trusted_accounts)",
	])
}

_other_organization(st) := {problem |
	_organization != ""
	some org in iam.granted_orgs(st)
	org != _organization
	problem := concat("", [
		"admits organisation ", org,
		" through aws:PrincipalOrgID, not the configured ", _organization,
	])
}

# The actions as written, for a reason: `ecr:BatchGetImage, ecr:GetDownloadUrlForLayer`.
_action_text(st) := outcome.join(", ", {a | some a in iam.actions(st); is_string(a)}) if {
	count(iam.actions(st)) > 0
} else := "every action but its NotAction"

_write_text(st) := concat(" ", ["write actions", outcome.join(", ", iam.write_patterns(st))]) if {
	count(iam.write_patterns(st)) > 0
} else := "write actions through NotAction"

# NotAction allows everything it does not name, writes included.
_grants_write(st) if count(iam.write_patterns(st)) > 0

_grants_write(st) if st.NotAction != null

# ---------------------------------------------------------------------------
# Who a statement reaches

_public_unrestricted(st) if {
	some p in iam.principals(st)
	p.kind == "public"
	not iam.restricted(st)
}

# The principals outside the owning account, named for a reason. Everyone
# without a condition is reported by _public; everyone with a condition is
# outside unless the condition pins callers to the owning account.
_outside(st) := {text |
	some p in iam.principals(st)
	_reaches_outside(st, p)
	text := _principal_text(p)
}

_reaches_outside(st, p) if {
	p.kind == "public"
	iam.restricted(st)
	not iam.pinned_to(st, _owner)
}

_reaches_outside(st, p) if {
	p.kind == "account"
	p.account != _owner
}

# A service acts for every account that uses it unless a condition names the
# source account, ARN or organisation (the confused deputy).
_reaches_outside(st, p) if {
	p.kind == "service"
	not iam.restricted(st)
}

_reaches_outside(_, p) if p.kind in {"unknown", "other"}

_principal_text(p) := "everyone its condition admits" if {
	p.kind == "public"
} else := concat(" ", ["account", p.account]) if {
	p.kind == "account"
} else := sprintf("service %v without a restricting condition", [p.name]) if {
	p.kind == "service"
} else := sprintf("principal %v", [p.name])

# A write grant that reaches beyond the owning account makes the FAIL CRITICAL.
_critical if {
	some st in _statements
	iam.is_allow(st)
	_grants_write(st)
	_write_reaches_outside(st)
}

_write_reaches_outside(st) if _public_unrestricted(st)

_write_reaches_outside(st) if st.NotPrincipal != null

_write_reaches_outside(st) if count(_outside(st)) > 0

# ---------------------------------------------------------------------------

# One reason per offending Allow statement: its label, then its problems.
_offences := {offence |
	some i
	st := _statements[i]
	iam.is_allow(st)
	problems := _problems(st)
	count(problems) > 0
	offence := concat(" ", [iam.label(st, i), outcome.join(" and ", problems)])
}

_offence_text := outcome.join("; ", _offences)

_allow_count := count([st | some st in _statements; iam.is_allow(st)])

_has_document if {
	is_object(_policy)
	"document" in object.keys(_policy)
}

_has_parse_error if {
	is_object(_policy)
	"parseError" in object.keys(_policy)
}

# The owning account is unknown (planned infrastructure whose account the
# source does not tell: errors.registryId). Only a policy whose verdict turns
# on the owner needs it: one that names an account as principal, or pins
# callers to accounts or ARNs by condition.
_owner_keys := {"aws:principalaccount", "aws:sourceaccount", "aws:principalarn", "aws:sourcearn"}

_owner_dependent if {
	some st in _statements
	iam.is_allow(st)
	some p in iam.principals(st)
	p.kind == "account"
}

_owner_dependent if {
	some st in _statements
	iam.is_allow(st)
	some c in iam.conditions(st)
	c.key in _owner_keys
}

_owner_unknown if {
	input.errors.registryId != null
	_has_document
	_owner_dependent
}

verdict := outcome.error(input.errors.repositoryPolicy) if {
	input.errors.repositoryPolicy != null
} else := outcome.error(input.errors.registryId) if {
	_owner_unknown
} else := {"status": "PASS", "reason": "no repository policy; access is limited to IAM identities in the account"} if {
	_policy == null
} else := {"status": "FAIL", "reason": sprintf("repository policy text is not valid JSON: %v", [_policy.parseError])} if {
	_has_parse_error
} else := {"status": "FAIL", "reason": _offence_text, "severity": "CRITICAL"} if {
	count(_offences) > 0
	_critical
} else := {"status": "FAIL", "reason": _offence_text} if {
	count(_offences) > 0
} else := {"status": "PASS", "reason": "repository policy has no Allow statements, so it grants nothing"} if {
	_has_document
	_allow_count == 0
} else := {
	"status": "PASS",
	"reason": sprintf(
		"repository policy grants least privilege: none of its %d Allow statement(s) is public, over-broad or to an untrusted account",
		[_allow_count],
	),
} if {
	_has_document
} else := {"status": "FAIL", "reason": "repository policy is missing from the input, so its grants cannot be judged"}
