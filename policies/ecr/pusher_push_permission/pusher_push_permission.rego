# METADATA
# title: The roles that push may push to their repositories
# description: >-
#   A CI pipeline whose role lost a push action, or whose repository was
#   renamed or never created, fails with "not authorized to perform:
#   ecr:PutImage" or "repository does not exist" at release time. For each
#   entry of pushers ({role, repositories}), the role must exist and be
#   allowed ecr:GetAuthorizationToken on * and ecr:BatchCheckLayerAvailability,
#   ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload and
#   ecr:PutImage on each repository a pattern names, by its identity policies
#   (within its permissions boundary) and, for a repository of another
#   account, by the repository policy; each pattern must match a repository
#   of the scan. A condition that cannot be decided offline makes the verdict
#   ERROR naming the key.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors-docker.html
# custom:
#   id: pusher-push-permission
#   severity: HIGH
#   resource_type: pusher
#   frameworks:
#     nist-800-53-r5: [AC-3, CM-3]
#   remediation:
#     cli: >-
#       aws iam put-role-policy --role-name CI_ROLE --policy-name ecr-push --policy-document
#       '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},
#       {"Effect":"Allow","Action":["ecr:BatchCheckLayerAvailability","ecr:InitiateLayerUpload","ecr:UploadLayerPart",
#       "ecr:CompleteLayerUpload","ecr:PutImage"],"Resource":"arn:aws:ecr:REGION:ACCOUNT:repository/NAME"}]}'
#     terraform: |-
#       data "aws_iam_policy_document" "push" {
#         statement {
#           actions   = ["ecr:GetAuthorizationToken"]
#           resources = ["*"]
#         }
#         statement {
#           actions   = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]
#           resources = [aws_ecr_repository.app.arn]
#         }
#       }
package ecr.pusher_push_permission

import data.lib.access
import data.lib.verdict as outcome

_push_actions := [
	"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
	"ecr:CompleteLayerUpload", "ecr:PutImage",
]

_role := input.identity

_repository := input.repository

_push_policy := null if {
	_repository.repositoryPolicy == null
} else := {"label": concat("", ["repository policy of ", _repository.repositoryName]), "document": _repository.repositoryPolicy.document}

_subject := {"policies": _role.policies, "boundary": _role.boundary, "resourcePolicy": _push_policy}

# ---------------------------------------------------------------------------
# Each check: {"status", "reason"}

_checks contains check if {
	verdict := access.check(
		{"policies": _role.policies, "boundary": _role.boundary, "resourcePolicy": null},
		access.role_request(_role.arn, _role.account, "ecr:GetAuthorizationToken", "*", "identity"),
	)
	check := verdict
}

_checks contains check if {
	some action in _push_actions
	check := access.check(_subject, access.role_request(
		_role.arn, _role.account, action, _repository.repositoryArn,
		access.mode(_role.account, _repository.account_id),
	))
}

_failing := {c.reason | some c in _checks; c.status == "FAIL"}

_undecided := {c.reason | some c in _checks; c.status == "ERROR"}

_unlisted_texts := {t |
	some u in input.unlisted
	t := concat("", ["the repositories of ", u.account_id, " ", u.region, " could not be listed (", outcome.error_text(u.error), ")"])
}

_where := concat("", [_repository.repositoryName, " (", _repository.account_id, ", ", _repository.region, ")"])

verdict := {"status": "FAIL", "reason": concat("", ["the role ", input.pusher.role, " does not exist"])} if {
	_role.state == "missing"
} else := outcome.errors_of(_role.errors, ["authorizationDetails"]) if {
	_role.state == "failed"
} else := {"status": "ERROR", "reason": concat("", [
	"the IAM roles of account ", _role.account, " are not in the snapshot (scan that account)",
])} if {
	_role.state == "not-scanned"
} else := {"status": "FAIL", "reason": concat("", ["no repository of the scan matches ", input.pusher.pattern])} if {
	_repository == null
	count(input.unlisted) == 0
} else := {"status": "ERROR", "reason": concat("", [
	"no repository listed matches ", input.pusher.pattern, ", but ", outcome.join("; ", _unlisted_texts),
])} if {
	_repository == null
} else := outcome.error(_repository.errors.repositoryPolicy) if {
	_repository.errors.repositoryPolicy != null
} else := {"status": "FAIL", "reason": concat("", [_where, ": ", outcome.join("; ", _failing)])} if {
	_role.state == "found"
	count(_failing) > 0
} else := {"status": "ERROR", "reason": concat("", [_where, ": ", outcome.join("; ", _undecided)])} if {
	_role.state == "found"
	count(_undecided) > 0
} else := {"status": "PASS", "reason": concat("", [
	"may push to ", _where, " (ecr:GetAuthorizationToken and the five push actions allowed)",
])} if {
	_role.state == "found"
	is_object(_repository)
} else := {"status": "ERROR", "reason": "the pusher's role or repository is missing from the input"}
