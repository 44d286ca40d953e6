# METADATA
# title: Every image a service or function runs exists in its repository
# description: >-
#   A task definition or function that names a tag nobody pushed, a digest
#   that was deleted, or a repository that does not exist runs until the next
#   deployment, scale-out or task replacement, which then fails with
#   CannotPullContainerError. Each ECR image a live deployment references (the
#   tag, or the digest that is pulled) must exist and not be archived in a
#   repository of the scan. An ECR image in an account or region outside the
#   scan is ERROR; an image from another registry (Docker Hub, public ECR) is
#   not checked and makes the verdict N/A when nothing else fails; a
#   repository under a pull-through cache prefix is filled on first pull.
#   Planned infrastructure (ecrscan iac) reads no registry: an image in a
#   repository the same change creates does not exist yet, and any other
#   image's existence is live state, so both are N/A, saying which; an
#   invalid reference still fails, and an image a Terraform data source read
#   at plan time passes.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html
# custom:
#   id: consumer-image-available
#   severity: HIGH
#   resource_type: [ecs-service, lambda-function]
#   frameworks:
#     nist-800-53-r5: [CP-10, SI-7]
#   remediation:
#     cli: >-
#       aws ecr describe-images --repository-name NAME --image-ids imageTag=TAG;
#       push the missing image, or point the service at one that exists
#       (aws ecs update-service --cluster C --service S --task-definition FAMILY:REVISION)
#     terraform: |-
#       resource "aws_ecs_task_definition" "app" {
#         container_definitions = jsonencode([{
#           name  = "app"
#           image = "${aws_ecr_repository.app.repository_url}:${var.image_tag}" # a tag CI pushed
#         }])
#       }
package ecr.consumer_image_available

import data.lib.consumers
import data.lib.verdict as outcome

_images := input.images

# One phrase per image that cannot be pulled.
_missing contains text if {
	some img in _images
	img.registry == "invalid"
	text := concat("", ["container image ", consumers.image_text(img), " is not a valid image reference"])
}

_missing contains text if {
	some img in _images
	img.lookup == "missing"
	not _cached(img)
	text := concat("", [_what(img), " is not in repository ", img.repositoryName, " (", consumers.where(img), ")"])
}

_missing contains text if {
	some img in _images
	img.lookup == "no-repository"
	not _cached(img)
	text := concat("", ["repository ", img.repositoryName, " does not exist (", consumers.where(img), "), so ", consumers.image_text(img), " cannot be pulled"])
}

_missing contains text if {
	some img in _images
	_archived(img)
	text := concat("", [consumers.image_text(img), " is ", lower(img.imageDetail.imageStatus), ": restore it before it can be pulled"])
}

# Helper rules, not `not x in {...}`: engines differ on negating `in` over an undefined value.
_archived(img) if {
	img.lookup == "found"
	img.imageDetail.imageStatus in {"ARCHIVED", "ACTIVATING"}
}

_lookups := {"found", "missing", "no-repository", "not-scanned", "not-ecr", "failed", "planned", "unverified"}

_looked_up(img) if img.lookup in _lookups

_what(img) := concat("", ["digest ", img.resolvedDigest, " (", consumers.image_text(img), ")"]) if {
	is_string(img.resolvedDigest)
} else := concat("", ["digest ", img.digest]) if {
	is_string(img.digest)
} else := concat("", ["tag ", img.tag])

_cached(img) if is_object(img.pullThroughCache)

# Images that could not be looked up.
_unknown contains text if {
	some img in _images
	img.lookup == "not-scanned"
	text := concat("", [consumers.image_text(img), " is in ", consumers.where(img), ", outside the scan"])
}

_unknown contains text if {
	some img in _images
	img.lookup == "failed"
	text := concat("", [consumers.image_text(img), ": ", outcome.error_text(img.errors.imageDetail)])
}

_unknown contains text if {
	some img in _images
	not _looked_up(img)
	img.registry == "ecr"
	text := concat("", [consumers.image_text(img), " was not looked up"])
}

# Images ecrscan does not judge: other registries, and pull-through caches.
_unchecked contains text if {
	some img in _images
	img.lookup == "not-ecr"
	img.registry != "invalid"
	text := concat("", [img.uri, " (", img.registry, ", outside ECR)"])
}

# Planned infrastructure (ecrscan iac): images are live state.
_unchecked contains text if {
	some img in _images
	img.lookup == "planned"
	text := concat("", [
		consumers.image_text(img), " does not exist yet (repository ", img.repositoryName,
		" is created by the same IaC change: nothing is pushed to it before it is applied)",
	])
}

_unchecked contains text if {
	some img in _images
	img.lookup == "unverified"
	text := concat("", [
		consumers.image_text(img), " (whether it is in ", img.repositoryName,
		" is live state, which ecrscan iac does not read: ecrscan doctor checks it)",
	])
}

_unchecked contains text if {
	some img in _images
	img.lookup in {"missing", "no-repository"}
	_cached(img)
	text := concat("", [
		consumers.image_text(img), " (pull-through cache ", img.pullThroughCache.ecrRepositoryPrefix,
		" fetches it from ", img.pullThroughCache.upstreamRegistryUrl, " on first pull)",
	])
}

_found := {text |
	some img in _images
	img.lookup == "found"
	not _archived(img)
	text := consumers.image_text(img)
}

_found_text := concat("", ["; found: ", outcome.join(", ", _found)]) if count(_found) > 0 else := ""

verdict := consumers.collection_error if {
	consumers.incomplete
} else := {"status": "FAIL", "reason": outcome.join("; ", _missing)} if {
	count(_missing) > 0
} else := {"status": "ERROR", "reason": concat("", ["cannot tell whether the images exist: ", outcome.join("; ", _unknown)])} if {
	count(_unknown) > 0
} else := {"status": "N/A", "reason": concat("", ["not checked: ", outcome.join(", ", _unchecked), _found_text])} if {
	count(_unchecked) > 0
} else := {"status": "N/A", "reason": concat("", ["the ", consumers.noun, " names no image"])} if {
	count(_images) == 0
} else := {"status": "PASS", "reason": concat("", ["every image exists: ", outcome.join(", ", _found)])} if {
	count(_found) == count(_images)
} else := {"status": "ERROR", "reason": "the images are missing from the input"}
