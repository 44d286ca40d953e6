# The steps of `ecrscan doctor` that turn on policies: is the identity
# allowed, and does the repository policy let it (or deny it). Each rule is a
# {"status": PASS|FAIL|ERROR|N/A, "reason"} for one identity and one image.
#
# Input: {"mode": "pull" or "push", "account_id", "region", "consumer": {arn},
# "identity": one entry of a consumer document's identities (or a role:
# kind "role"), "image": one entry of a consumer document's images}.
package lib.doctor

import data.lib.access
import data.lib.verdict as outcome

_pull := ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

_push := [
	"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
	"ecr:CompleteLayerUpload", "ecr:PutImage",
]

_actions := _push if input.mode == "push" else := _pull

_trusted := {"execution-role": "ecs-tasks.amazonaws.com", "container-instance-role": "ec2.amazonaws.com"}

_role := input.identity

_img := input.image

_policy := null if {
	_img.repository.repositoryPolicy == null
} else := {"label": concat("", ["repository policy of ", _img.repositoryName]), "document": _img.repository.repositoryPolicy.document}

_is_role if _role.kind in {"execution-role", "container-instance-role", "role"}

_request(action, resource, mode) := access.role_request(_role.arn, _role.account, action, resource, mode)

_identity_only := {"policies": _role.policies, "boundary": _role.boundary, "resourcePolicy": null}

# ---------------------------------------------------------------------------
# Is the identity allowed? Trust (for a service's role), the token, the actions.

_identity_checks contains v if {
	_trusted[_role.kind]
	trust := access.check(
		{"policies": [], "boundary": null, "resourcePolicy": {"label": "its trust policy", "document": _role.trust}},
		{
			"action": "sts:AssumeRole", "resource": _role.arn, "context": {"aws:sourceaccount": input.account_id},
			"callers": [{"type": "Service", "value": _trusted[_role.kind]}],
			"specific": [{"type": "Service", "value": _trusted[_role.kind]}], "mode": "resource",
		},
	)
	v := _trust_text(trust)
}

_trust_text(v) := {"status": "FAIL", "reason": concat("", [
	"its trust policy does not let ", _trusted[_role.kind], " assume it",
])} if {
	v.status == "FAIL"
} else := {"status": v.status, "reason": concat("", ["trusted by ", _trusted[_role.kind], ": ", v.reason])}

_identity_checks contains v if {
	v := access.check(_identity_only, _request("ecr:GetAuthorizationToken", "*", "identity"))
}

_identity_checks contains v if {
	some action in _actions
	v := access.check(_identity_only, _request(action, _img.repositoryArn, "identity"))
}

identity := {"status": "N/A", "reason": "the Lambda service pulls a function's image: no identity policy applies"} if {
	_role.kind == "lambda-service"
} else := {"status": "FAIL", "reason": concat("", [
	"the task definition names no execution role: a ", _role.launchType, " task pulls from ECR only with one",
])} if {
	_role.kind == "none"
} else := {"status": "FAIL", "reason": concat("", ["role ", _role.arn, " does not exist"])} if {
	_role.state == "missing"
} else := outcome.errors_of(_role.errors, ["authorizationDetails"]) if {
	_role.state == "failed"
} else := {"status": "ERROR", "reason": concat("", [
	"role ", _role.arn, " is in account ", _role.account, ", whose IAM these credentials cannot read",
])} if {
	_role.state == "not-scanned"
} else := _first(_identity_checks, concat("", ["role ", _role.arn, ": "])) if {
	_is_role
}

# The first FAIL, else ERROR, else every PASS, of a set of checks.
_first(checks, prefix) := {"status": "FAIL", "reason": concat("", [prefix, outcome.join("; ", {c.reason | some c in checks; c.status == "FAIL"})])} if {
	some c in checks
	c.status == "FAIL"
} else := {"status": "ERROR", "reason": concat("", [prefix, outcome.join("; ", {c.reason | some c in checks; c.status == "ERROR"})])} if {
	some c in checks
	c.status == "ERROR"
} else := {"status": "PASS", "reason": concat("", [prefix, outcome.join("; ", {c.reason | some c in checks})])}

# ---------------------------------------------------------------------------
# Does the repository policy let it? Across accounts it must grant; in the
# same account it only must not deny.

_cross if _img.registryId != _role.account

_known_repository if is_object(_img.repository)

_unknown_policy if not _known_repository

_unknown_policy if _img.repository.errors.repositoryPolicy != null

_repository_subject := {"policies": [], "boundary": null, "resourcePolicy": _policy}

_repository_checks contains v if {
	_cross
	some action in _actions
	v := access.check(_repository_subject, _request(action, _img.repositoryArn, "resource"))
}

_repository_checks contains v if {
	not _cross
	some action in _actions
	d := access.denials(_repository_subject, _request(action, _img.repositoryArn, "resource"))
	v := _same_account(action, d)
}

_same_account(action, d) := {"status": "FAIL", "reason": concat("", [action, " is explicitly denied by ", outcome.join("; ", d.deny)])} if {
	count(d.deny) > 0
} else := {"status": "ERROR", "reason": concat("", [action, " may be denied by ", outcome.join("; ", d.maybe_deny), ", which cannot be decided offline"])} if {
	count(d.maybe_deny) > 0
} else := {"status": "PASS", "reason": concat("", [action, ": no statement denies it"])}

_lambda_checks contains v if {
	some action in _pull
	v := access.check(_repository_subject, {
		"action": action, "resource": _img.repositoryArn,
		"context": object.union(access.secure, {
			"aws:sourcearn": _role.functionArn, "aws:sourceaccount": input.account_id,
			"aws:principalisawsservice": "true", "aws:principalservicename": "lambda.amazonaws.com",
		}),
		"callers": [{"type": "Service", "value": "lambda.amazonaws.com"}],
		"specific": [{"type": "Service", "value": "lambda.amazonaws.com"}], "mode": "resource",
	})
}

repository := outcome.error(_img.repository.errors.repositoryPolicy) if {
	_img.repository.errors.repositoryPolicy != null
} else := {"status": "ERROR", "reason": concat("", ["the policy of repository ", _img.repositoryName, " could not be read (is the repository in another account?)"])} if {
	_unknown_policy
} else := _first(_lambda_checks, "the Lambda service: ") if {
	_role.kind == "lambda-service"
} else := {"status": "N/A", "reason": "no identity to judge it for"} if {
	not _is_role
} else := _first(_repository_checks, _repository_prefix) if {
	_is_role
}

_repository_prefix := concat("", ["another account's repository must grant ", _role.arn, ": "]) if {
	_cross
} else := "same account, so the identity policies decide unless the repository policy denies: "
