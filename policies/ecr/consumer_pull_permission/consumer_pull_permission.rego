# METADATA
# title: Whoever pulls a service's or function's images is allowed to
# description: >-
#   A task whose execution role lacks ECR permissions, or whose repository in
#   another account does not grant it, stops with CannotPullContainerError
#   ("not authorized to perform: ecr:BatchGetImage") at its next start. The
#   pulling identity (the task definition's execution role; on EC2 without
#   one, the container instances' role) must trust its service, be allowed
#   ecr:GetAuthorizationToken on * and ecr:BatchGetImage and
#   ecr:GetDownloadUrlForLayer on each repository by its identity policies
#   (Allow minus explicit Deny, within its permissions boundary) and, for a
#   repository of another account, by the repository policy. A Lambda
#   function's image is read by the Lambda service: the repository policy must
#   grant lambda.amazonaws.com (and, across accounts, the function's account)
#   as AWS documents. A condition that cannot be decided offline, such as
#   aws:SourceVpce, makes the verdict ERROR naming the key. Planned
#   infrastructure (ecrscan iac) is judged on the roles and policies its
#   sources declare: a role, repository or managed policy they do not declare
#   (beyond the AWS managed policies that grant a pull), or a document known
#   only after apply, is ERROR naming it.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
#   - https://docs.aws.amazon.com/lambda/latest/dg/images-create.html#configuration-images-permissions
#   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
# custom:
#   id: consumer-pull-permission
#   severity: HIGH
#   resource_type: [ecs-service, lambda-function]
#   frameworks:
#     nist-800-53-r5: [AC-3, CP-10]
#   remediation:
#     cli: >-
#       aws iam attach-role-policy --role-name EXECUTION_ROLE --policy-arn
#       arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy;
#       across accounts, grant the role in the repository policy
#       (aws ecr set-repository-policy --repository-name NAME --policy-text file://pull.json)
#     terraform: |-
#       resource "aws_iam_role_policy_attachment" "execution" {
#         role       = aws_iam_role.execution.name
#         policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
#       }
package ecr.consumer_pull_permission

import data.lib.access
import data.lib.consumers
import data.lib.verdict as outcome

_pull_actions := ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

_trusted_service := {"execution-role": "ecs-tasks.amazonaws.com", "container-instance-role": "ec2.amazonaws.com"}

# ECR images in repositories that exist or may: a missing repository is
# consumer-image-available's finding, not a permission.
_images := [img |
	some img in consumers.ecr_images
	img.lookup != "no-repository"
]

_identities := input.identities

# ---------------------------------------------------------------------------
# Each check is {"status", "reason"}; the reason names the identity and image.

_checks contains check if {
	some identity in _identities
	identity.kind == "none"
	count(_images) > 0
	check := {"status": "FAIL", "reason": concat("", [
		"the task definition names no execution role: a ", _launch(identity),
		" task pulls from ECR only with one",
	])}
}

_launch(identity) := identity.launchType if is_string(identity.launchType) else := "Fargate"

_checks contains check if {
	some identity in _identities
	_role_kind(identity)
	count(_images) > 0
	identity.state != "found"
	check := _role_state(identity)
}

_checks contains check if {
	some identity in _identities
	_usable_role(identity)
	count(_images) > 0
	verdict := access.check(
		{"policies": [], "boundary": null, "resourcePolicy": {"label": "its trust policy", "document": identity.trust}},
		{
			"action": "sts:AssumeRole", "resource": identity.arn,
			"context": {"aws:sourceaccount": input.account_id},
			"callers": [{"type": "Service", "value": _trusted_service[identity.kind]}],
			"specific": [{"type": "Service", "value": _trusted_service[identity.kind]}],
			"mode": "resource",
		},
	)
	check := _about(identity, "", _trust_verdict(identity, verdict))
}

_checks contains check if {
	some identity in _identities
	_usable_role(identity)
	count(_images) > 0
	verdict := access.check(
		{"policies": identity.policies, "boundary": identity.boundary, "resourcePolicy": null},
		_role_request(identity, "ecr:GetAuthorizationToken", "*", "identity"),
	)
	check := _about(identity, "", verdict)
}

_checks contains check if {
	some identity in _identities
	_usable_role(identity)
	some img in _images
	some action in _pull_actions
	check := _about(identity, consumers.image_text(img), _role_pull(identity, img, action))
}

_checks contains check if {
	some identity in _identities
	identity.kind == "lambda-service"
	some img in _images
	some verdict in _lambda_pull(identity, img)
	check := _about(identity, consumers.image_text(img), verdict)
}

# ---------------------------------------------------------------------------
# Roles

_role_kind(identity) if identity.kind in {"execution-role", "container-instance-role"}

_usable_role(identity) if {
	_role_kind(identity)
	identity.state == "found"
}

_role_state(identity) := _about(identity, "", {"status": "FAIL", "reason": "the role does not exist"}) if {
	identity.state == "missing"
} else := _about(identity, "", outcome.errors_of(identity.errors, ["authorizationDetails", "arn"])) if {
	identity.state == "failed"
} else := _about(identity, "", {"status": "ERROR", "reason": concat("", [
	"the role is not declared in the IaC sources, so its policies are unknown (the live scan judges it)",
])}) if {
	identity.state == "undeclared"
} else := _about(identity, "", {"status": "ERROR", "reason": concat("", [
	"the IAM roles of account ", identity.account, " are not in the snapshot (scan that account)",
])})

_trust_verdict(identity, verdict) := {"status": "FAIL", "reason": concat("", [
	"its trust policy does not let ", _trusted_service[identity.kind], " assume it",
])} if {
	verdict.status == "FAIL"
} else := verdict

_role_request(identity, action, resource, mode) := object.union(object.remove(request, ["context"]), {
	"context": object.remove(request.context, ["aws:principalarn"]),
}) if {
	# A role whose name is generated when it is created (ecrscan iac) has no
	# ARN yet: a condition on aws:PrincipalArn is undecided, never decided
	# against the stand-in the snapshot names it by.
	is_string(identity.arnUnknown)
	request := access.role_request(identity.arn, identity.account, action, resource, mode)
} else := access.role_request(identity.arn, identity.account, action, resource, mode)

_role_pull(identity, img, action) := verdict if {
	not _repository_policy_known(img)
	verdict := _without_policy(identity, img, action)
} else := access.check(
	{"policies": identity.policies, "boundary": identity.boundary, "resourcePolicy": _repository_policy(img)},
	_role_request(identity, action, img.repositoryArn, access.mode(identity.account, img.registryId)),
)

# The repository policy is unknown: across accounts the identity policies can
# still fail the pull for certain; whatever else it is, it turns on the policy.
_without_policy(identity, img, action) := verdict if {
	img.registryId != identity.account
	verdict := access.check(
		{"policies": identity.policies, "boundary": identity.boundary, "resourcePolicy": null},
		_role_request(identity, action, img.repositoryArn, "identity"),
	)
	verdict.status == "FAIL"
} else := _unknown_policy(img)

# ---------------------------------------------------------------------------
# Lambda: the service reads the image, with the function as the source

_lambda_pull(identity, img) := [{"status": "FAIL", "reason": concat("", [
	"Lambda pulls images only from its own region (", input.region, "), not ", img.region,
])}] if {
	img.region != input.region
} else := [_unknown_policy(img)] if {
	not _repository_policy_known(img)
} else := checks if {
	service := [v |
		some action in _pull_actions
		v := access.check(_resource_only(img), _service_request(identity, img, action))
	]
	checks := array.concat(service, _account_checks(img))
}

# Across accounts the repository policy must also grant the function's account.
# (Comprehensions bind their term in the body: rego-cpp loses a term built
# from a function argument in the head.)
_account_checks(img) := [] if {
	img.registryId == input.account_id
} else := checks if {
	checks := [v |
		some action in _pull_actions
		v := access.check(_resource_only(img), _account_request(img, action))
	]
}

_resource_only(img) := {"policies": [], "boundary": null, "resourcePolicy": _repository_policy(img)}

_service_request(identity, img, action) := {
	"action": action,
	"resource": img.repositoryArn,
	"context": object.union(object.union(access.secure, _source_arn(identity)), {
		"aws:sourceaccount": input.account_id,
		"aws:principalisawsservice": "true", "aws:principalservicename": "lambda.amazonaws.com",
	}),
	"callers": [{"type": "Service", "value": "lambda.amazonaws.com"}],
	"specific": [{"type": "Service", "value": "lambda.amazonaws.com"}],
	"mode": "resource",
}

# A function whose name the deploy generates (ecrscan iac) has no ARN yet: a
# condition on aws:SourceArn is then undecided, never decided against a guess.
_source_arn(identity) := {"aws:sourcearn": identity.functionArn} if {
	is_string(identity.functionArn)
} else := {}

_account_request(img, action) := {
	"action": action,
	"resource": img.repositoryArn,
	"context": {"aws:principalaccount": input.account_id},
	"callers": [
		{"type": "AWS", "value": input.account_id},
		{"type": "AWS", "value": concat("", ["arn:", split(input.consumer.arn, ":")[1], ":iam::", input.account_id, ":root"])},
	],
	"specific": [],
	"mode": "resource",
}

# ---------------------------------------------------------------------------
# The repository policy, as the access library takes it

_repository_policy_known(img) if {
	is_object(img.repository)
	not _policy_error(img)
}

_policy_error(img) if img.repository.errors.repositoryPolicy != null

_repository_policy(img) := null if {
	img.repository.repositoryPolicy == null
} else := {"label": concat("", ["repository policy of ", img.repositoryName]), "document": img.repository.repositoryPolicy.document}

_unknown_policy(img) := outcome.error(img.repository.errors.repositoryPolicy) if {
	img.repository.errors.repositoryPolicy != null
} else := {"status": "ERROR", "reason": concat("", [
	"the policy of repository ", img.repositoryName, " (", consumers.where(img), ") is ", consumers.outside,
])}

# ---------------------------------------------------------------------------

_who(identity) := concat("", ["execution role ", _role_name(identity)]) if {
	identity.kind == "execution-role"
} else := concat("", ["instance role ", _role_name(identity)]) if {
	identity.kind == "container-instance-role"
} else := "the Lambda service"

_role_name(identity) := split(identity.arn, "/")[count(split(identity.arn, "/")) - 1] if {
	is_string(identity.arn)
} else := concat("", ["of profile ", identity.instanceProfileArn])

_about(identity, image, verdict) := {"status": verdict.status, "reason": concat("", [_who(identity), _image_part(image), ": ", verdict.reason])}

_image_part("") := ""

_image_part(image) := concat("", [", ", image]) if image != ""

_failing := {c.reason | some c in _checks; c.status == "FAIL"}

_undecided := {c.reason | some c in _checks; c.status == "ERROR"}

_passing := {c.reason | some c in _checks; c.status == "PASS"}

verdict := consumers.collection_error if {
	consumers.incomplete
} else := {"status": "N/A", "reason": concat("", ["the ", consumers.noun, " pulls nothing from an ECR repository"])} if {
	count(_images) == 0
} else := outcome.errors_of(input.errors, ["containerInstances"]) if {
	count(_identities) == 0
	outcome.errors_of(input.errors, ["containerInstances"])
} else := {"status": "N/A", "reason": "no container instance is registered in the cluster: nothing pulls yet"} if {
	count(_identities) == 0
} else := {"status": "FAIL", "reason": outcome.join("; ", _failing)} if {
	count(_failing) > 0
} else := {"status": "ERROR", "reason": outcome.join("; ", _undecided)} if {
	count(_undecided) > 0
} else := {"status": "PASS", "reason": outcome.join("; ", _passing)} if {
	count(_passing) > 0
} else := {"status": "ERROR", "reason": "the pulling identities are missing from the input"}
