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

_repositories := {r |
	some m in input.matches
	some r in m.repositories
}

_subject(repository) := {"policies": _role.policies, "boundary": _role.boundary, "resourcePolicy": _push_policy(repository)}

_push_policy(repository) := null if {
	repository.repositoryPolicy == null
} else := {"label": concat("", ["repository policy of ", repository.repositoryName]), "document": repository.repositoryPolicy.document}

# ---------------------------------------------------------------------------
# Each check: {"status", "reason"}

_checks contains check if {
	_role.state == "found"
	verdict := access.check(
		{"policies": _role.policies, "boundary": _role.boundary, "resourcePolicy": null},
		access.role_request(_role.arn, _role.account, "ecr:GetAuthorizationToken", "*", "identity"),
	)
	check := verdict
}

_checks contains check if {
	_role.state == "found"
	some repository in _repositories
	some action in _push_actions
	verdict := _push(repository, action)
	check := {"status": verdict.status, "reason": concat("", [_where(repository), ": ", verdict.reason])}
}

_push(repository, action) := outcome.error(repository.errors.repositoryPolicy) if {
	repository.errors.repositoryPolicy != null
} else := access.check(_subject(repository), access.role_request(
	_role.arn, _role.account, action, repository.repositoryArn,
	access.mode(_role.account, repository.account_id),
))

_where(repository) := concat("", [repository.repositoryName, " (", repository.account_id, ", ", repository.region, ")"])

_checks contains check if {
	some m in input.matches
	count(m.repositories) == 0
	count(input.unlisted) == 0
	check := {"status": "FAIL", "reason": concat("", ["no repository of the scan matches ", m.pattern])}
}

_checks contains check if {
	some m in input.matches
	count(m.repositories) == 0
	count(input.unlisted) > 0
	check := {"status": "ERROR", "reason": concat("", [
		"no repository listed matches ", m.pattern, ", but ", outcome.join("; ", _unlisted_texts),
	])}
}

_unlisted_texts := {t |
	some u in input.unlisted
	t := concat("", ["the repositories of ", u.account_id, " ", u.region, " could not be listed (", outcome.error_text(u.error), ")"])
}

_failing := {c.reason | some c in _checks; c.status == "FAIL"}

_undecided := {c.reason | some c in _checks; c.status == "ERROR"}

_repository_names := {n | some r in _repositories; n := r.repositoryName}

verdict := {"status": "FAIL", "reason": concat("", ["the role ", input.pusher.role, " does not exist"])} if {
	_role.state == "missing"
} else := outcome.errors_of(_role.errors, ["authorizationDetails"]) if {
	_role.state == "failed"
} else := {"status": "ERROR", "reason": concat("", [
	"the IAM roles of account ", _role.account, " are not in the snapshot (scan that account)",
])} if {
	_role.state == "not-scanned"
} else := {"status": "FAIL", "reason": outcome.join("; ", _failing)} if {
	count(_failing) > 0
} else := {"status": "ERROR", "reason": outcome.join("; ", _undecided)} if {
	count(_undecided) > 0
} else := {"status": "PASS", "reason": concat("", [
	"may push to ", outcome.join(", ", _repository_names), " (ecr:GetAuthorizationToken and the five push actions allowed)",
])} if {
	_role.state == "found"
	count(_repository_names) > 0
} else := {"status": "ERROR", "reason": "the pusher's role or repositories are missing from the input"}
