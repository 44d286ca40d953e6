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
collection_error := outcome.errors_of(input.errors, ["taskDefinitions", "function"])

incomplete if input.errors.taskDefinitions != null

incomplete if input.errors.function != null

ecr_images := [img |
	some img in input.images
	img.registry == "ecr"
]

# The kind of consumer, for reasons: "service" or "function".
noun := "function" if input.consumer.kind == "lambda-function" else := "service"
