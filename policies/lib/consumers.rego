# Helpers the consumer controls share: how a reason names an image, and the
# collection errors that leave a consumer's image list incomplete.
#
# A consumer document (ecs-service, lambda-function) lists its images, each
# parsed (registry, registryId, region, repositoryName, tag, digest) with what
# DescribeImages said of it (lookup, imageDetail) and the repository it is in
# (null when the repository is not in the snapshot); docs/policies.md.
package lib.consumers

import data.lib.verdict as outcome

# "team/api:1.4.2" or "team/api@sha256:...", the URI for other registries.
image_text(img) := concat("", [img.repositoryName, "@", img.digest]) if {
	img.registry == "ecr"
	is_string(img.digest)
	is_string(img.repositoryName)
} else := concat("", [img.repositoryName, ":", img.tag]) if {
	img.registry == "ecr"
	is_string(img.tag)
	is_string(img.repositoryName)
} else := img.uri if {
	is_string(img.uri)
} else := "an image"

# "account 111122223333, eu-west-1": where an ECR repository lives.
where(img) := concat("", ["account ", img.registryId, ", ", img.region]) if {
	is_string(img.registryId)
	is_string(img.region)
} else := "an unknown registry"

# The ERROR verdict when the consumer's own description could not be read in
# full (a task definition, or the function): its image list is incomplete.
# Planned infrastructure (ecrscan iac) adds the account and region its source
# does not tell: every consumer control needs both.
collection_error := outcome.errors_of(input.errors, ["taskDefinitions", "function", "account", "region"])

incomplete if input.errors.taskDefinitions != null

incomplete if input.errors.function != null

incomplete if input.errors.account != null

incomplete if input.errors.region != null

# How a reason says a resource was not among what was judged: a live scan did
# not collect it, or planned infrastructure does not declare it (it may exist).
outside := "not declared in the IaC sources" if input.origin == "iac" else := "not in the scan"

ecr_images := [img |
	some img in input.images
	img.registry == "ecr"
]

# The kind of consumer, for reasons: "service" or "function".
noun := "function" if input.consumer.kind == "lambda-function" else := "service"
