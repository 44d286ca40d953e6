# METADATA
# title: The registry policy grants least privilege
# description: >-
#   The registry policy lets other accounts replicate into this registry and
#   create repositories in it (replication, pull-through cache), and can grant
#   any other ECR action registry-wide. It is judged by the rules repository
#   policies follow: no grant to everyone without a condition that pins the
#   caller; no NotPrincipal or NotAction with Allow; no ecr:* or *; no grant
#   to an account that is neither the owner nor in trusted_accounts; no
#   aws:PrincipalOrgID naming another organisation. Replication
#   (ecr:ReplicateImage, ecr:CreateRepository, ecr:BatchImportUpstreamImage)
#   may go to trusted accounts; any other write action to another account is
#   CRITICAL. A registry without a policy passes.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions-examples.html
# custom:
#   id: ecr-registry-policy
#   severity: HIGH
#   resource_type: registry
#   frameworks:
#     nist-800-53-r5: [AC-3, AC-6]
#   remediation:
#     cli: >-
#       aws ecr put-registry-policy --policy-text
#       '{"Version":"2012-10-17","Statement":[{"Sid":"ReplicationFromSource","Effect":"Allow",
#       "Principal":{"AWS":"arn:aws:iam::SOURCE_ACCOUNT:root"},"Action":["ecr:CreateRepository","ecr:ReplicateImage"],
#       "Resource":"arn:aws:ecr:REGION:ACCOUNT:repository/*"}]}'
#       (or aws ecr delete-registry-policy)
#     terraform: |-
#       resource "aws_ecr_registry_policy" "this" {
#         policy = jsonencode({
#           Version = "2012-10-17"
#           Statement = [{
#             Sid       = "ReplicationFromSource"
#             Effect    = "Allow"
#             Principal = { AWS = "arn:aws:iam::${var.source_account}:root" }
#             Action    = ["ecr:CreateRepository", "ecr:ReplicateImage"]
#             Resource  = "arn:aws:ecr:${var.region}:${data.aws_caller_identity.current.account_id}:repository/*"
#           }]
#         })
#       }
package ecr.registry_policy

import data.lib.iam
import data.lib.verdict as outcome
import data.lib.wildcard

_policy := input.derived.registryPolicy

_statements := iam.statements(_policy.document)

_owner := input.registry.registryId if {
	is_string(input.registry.registryId)
	input.registry.registryId != ""
} else := input.account_id

_trusted := {a | some a in data.ecrscan.config.trusted_accounts}

_organization := data.ecrscan.config.organization_id if {
	is_string(data.ecrscan.config.organization_id)
} else := ""

# What a registry policy exists to grant: replication and pull-through cache imports.
_replication_actions := {"ecr:replicateimage", "ecr:createrepository", "ecr:batchimportupstreamimage"}

# Write patterns that reach beyond replication (ecr:PutImage, ecr:Delete*, ...).
_non_replication_writes := iam.write_actions - _replication_actions

_other_writes(st) := {pattern |
	some pattern in iam.actions(st)
	is_string(pattern)
	some w in _non_replication_writes
	wildcard.matches_fold(pattern, w)
}

# Names differ from ecr.repository_policy's on purpose: rego-cpp 1.5.2 aborts compiling a bundle
# in which two packages define a private function of the same name with different arities.
_beyond_owner(st) if {
	some p in iam.principals(st)
	p.kind == "account"
	p.account != _owner
}

_beyond_owner(st) if {
	some p in iam.principals(st)
	p.kind in {"public", "unknown", "other"}
	not iam.pinned_to(st, _owner)
}

_beyond_owner(st) if st.NotPrincipal != null

# ---------------------------------------------------------------------------
# What is wrong with one Allow statement, each a phrase that follows its label.

_faults(st) := union({
	_fault_not_principal(st), _fault_not_action(st), _fault_all_actions(st), _fault_public(st),
	_fault_write(st), _fault_untrusted(st), _fault_organization(st),
})

_fault_not_principal(st) := {"allows with NotPrincipal, which grants to everyone it does not name"} if {
	st.NotPrincipal != null
} else := set()

_fault_not_action(st) := {"allows with NotAction, which grants every action it does not name"} if {
	st.NotAction != null
} else := set()

_fault_all_actions(st) := {problem |
	some a in iam.actions(st)
	iam.grants_all(a)
	problem := concat("", ["grants every ECR action with ", a])
}

_fault_public(st) := {problem |
	_public_unrestricted(st)
	problem := "grants to everyone without a restricting condition"
}

_fault_write(st) := {problem |
	writes := _other_writes(st)
	count(writes) > 0
	_beyond_owner(st)
	problem := concat("", ["grants write actions beyond replication (", outcome.join(", ", writes), ") outside the owning account"])
}

_fault_untrusted(st) := {problem |
	some p in iam.principals(st)
	p.kind == "account"
	p.account != _owner
	not p.account in _trusted
	problem := concat("", ["grants access to untrusted account ", p.account, " (neither the owner nor in trusted_accounts)"])
}

_fault_organization(st) := {problem |
	_organization != ""
	some org in iam.granted_orgs(st)
	org != _organization
	problem := concat("", ["admits organisation ", org, " through aws:PrincipalOrgID, not the configured ", _organization])
}

_public_unrestricted(st) if {
	some p in iam.principals(st)
	p.kind == "public"
	not iam.restricted(st)
}

_critical if {
	some st in _statements
	iam.is_allow(st)
	_beyond_owner(st)
	count(_other_writes(st)) > 0
}

_critical if {
	some st in _statements
	iam.is_allow(st)
	st.NotAction != null
	_beyond_owner(st)
}

_offences := {offence |
	some i
	st := _statements[i]
	iam.is_allow(st)
	problems := _faults(st)
	count(problems) > 0
	offence := concat(" ", [iam.label(st, i), outcome.join(" and ", problems)])
}

_has_document if {
	is_object(_policy)
	"document" in object.keys(_policy)
}

_has_parse_error if {
	is_object(_policy)
	"parseError" in object.keys(_policy)
}

_allow_count := count([st | some st in _statements; iam.is_allow(st)])

# Planned infrastructure (ecrscan iac, origin "iac") manages only the registry settings its
# sources declare (input.registry.declared); one it leaves out is managed elsewhere, if at all.
_declared if {
	some setting in input.registry.declared
	setting == "registryPolicy"
}

_unmanaged if {
	input.origin == "iac"
	not _declared
}

_unmanaged_verdict := {"status": "N/A", "reason": "the registry policy is not managed by this source (no aws_ecr_registry_policy or AWS::ECR::RegistryPolicy)"}

verdict := outcome.error(input.errors.registryPolicy) if {
	input.errors.registryPolicy != null
} else := _unmanaged_verdict if {
	_unmanaged
} else := {"status": "PASS", "reason": "no registry policy; no other account may replicate into or create repositories in this registry"} if {
	_policy == null
} else := {"status": "FAIL", "reason": sprintf("registry policy text is not valid JSON: %v", [_policy.parseError])} if {
	_has_parse_error
} else := {"status": "FAIL", "reason": outcome.join("; ", _offences), "severity": "CRITICAL"} if {
	count(_offences) > 0
	_critical
} else := {"status": "FAIL", "reason": outcome.join("; ", _offences)} if {
	count(_offences) > 0
} else := {"status": "PASS", "reason": sprintf(
	"registry policy grants least privilege: none of its %d Allow statement(s) is public, over-broad or to an untrusted account",
	[_allow_count],
)} if {
	_has_document
} else := {"status": "FAIL", "reason": "the registry policy is missing from the input, so its grants cannot be judged"}
