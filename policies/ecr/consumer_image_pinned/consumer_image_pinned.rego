# METADATA
# title: Production services and functions run images pinned by digest or immutable tag
# description: >-
#   A service that names a mutable tag runs whatever was pushed under it last:
#   the next scale-out or task replacement can start different code from the
#   tasks already running, and a rollback cannot tell which. Consumers
#   selected by production_consumers (name patterns on CLUSTER/SERVICE or the
#   function name, or resource tags; default every consumer) must reference
#   each image by digest, or by a tag of an ECR repository whose mutability
#   makes that tag immutable (IMMUTABLE, or a *_WITH_EXCLUSION setting that
#   covers it). A tag in another registry can always move and fails.
#   Planned infrastructure (ecrscan iac) whose cluster or service name only
#   apply tells cannot be matched against name patterns: ERROR, unless its
#   tags select it.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
#   - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html#deployment-container-image-stability
# custom:
#   id: consumer-image-pinned
#   severity: MEDIUM
#   resource_type: [ecs-service, lambda-function]
#   frameworks:
#     nist-800-53-r5: [CM-2, CM-14]
#   remediation:
#     cli: >-
#       aws ecr put-image-tag-mutability --repository-name NAME --image-tag-mutability IMMUTABLE;
#       or register the task definition with image REPOSITORY_URI@sha256:DIGEST
#     terraform: |-
#       resource "aws_ecr_repository" "app" {
#         image_tag_mutability = "IMMUTABLE"
#       }
#
#       # or pin the digest: image = "${aws_ecr_repository.app.repository_url}@${data.aws_ecr_image.app.image_digest}"
package ecr.consumer_image_pinned

import data.lib.consumers
import data.lib.selector
import data.lib.verdict as outcome
import data.lib.wildcard

_selector := data.ecrscan.config.production_consumers

_selected if selector.selects(_selector, input.consumer.name, input.consumer.tags)

_by_digest(img) if is_string(img.digest)

# Images the repository (or a missing one, consumer-image-available's
# finding) leaves nothing to pin.
_judged(img) if {
	img.registry != "invalid"
	not _no_repository(img)
}

_no_repository(img) if img.lookup == "no-repository"

_filters(img) := [f |
	some item in img.repository.imageTagMutabilityExclusionFilters
	f := item.filter
]

_excluded(img) if {
	some f in _filters(img)
	is_string(f)
	wildcard.matches(f, img.tag)
}

_mutability(img) := img.repository.imageTagMutability

# The tag cannot be overwritten: an IMMUTABLE repository, a tag immutability
# does not exclude, or a tag MUTABLE_WITH_EXCLUSION makes immutable.
_immutable_tag(img) if _mutability(img) == "IMMUTABLE"

_immutable_tag(img) if {
	_mutability(img) == "IMMUTABLE_WITH_EXCLUSION"
	not _excluded(img)
}

_immutable_tag(img) if {
	_mutability(img) == "MUTABLE_WITH_EXCLUSION"
	_excluded(img)
}

_known_mutability(img) if _mutability(img) in {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE", "MUTABLE_WITH_EXCLUSION"}

_tag_text(img) := concat("", [consumers.image_text(img), " (no tag given, so latest)"]) if {
	img.implicitTag == true
} else := consumers.image_text(img)

_loose contains text if {
	some img in input.images
	_judged(img)
	not _by_digest(img)
	img.registry != "ecr"
	text := concat("", [_tag_text(img), " is named by a tag outside ECR, where tags can move"])
}

_loose contains text if {
	some img in input.images
	_judged(img)
	not _by_digest(img)
	img.registry == "ecr"
	_known_mutability(img)
	not _immutable_tag(img)
	text := concat("", [_tag_text(img), " is named by a tag that can be overwritten (", img.repositoryName, " is ", _mutability(img), _filter_text(img), ")"])
}

_filter_text(img) := concat("", [", excluding ", outcome.quoted(_filters(img))]) if {
	count(_filters(img)) > 0
} else := ""

_unknown contains text if {
	some img in input.images
	_judged(img)
	not _by_digest(img)
	img.registry == "ecr"
	not _known_mutability(img)
	text := concat("", [_tag_text(img), ": the mutability of ", img.repositoryName, " (", consumers.where(img), ") is ", consumers.outside])
}

_pinned contains text if {
	some img in input.images
	_by_digest(img)
	text := concat("", [consumers.image_text(img), " by digest"])
}

_pinned contains text if {
	some img in input.images
	_judged(img)
	not _by_digest(img)
	img.registry == "ecr"
	_immutable_tag(img)
	text := concat("", [consumers.image_text(img), " (", _mutability(img), ")"])
}

verdict := consumers.collection_error if {
	consumers.incomplete
} else := outcome.errors_of(input.errors, ["name"]) if {
	not _selected
	outcome.errors_of(input.errors, ["name"])
} else := {"status": "N/A", "reason": concat("", [
	input.consumer.name, " is not selected by production_consumers (", selector.describe(_selector), ")",
])} if {
	not _selected
} else := {"status": "FAIL", "reason": outcome.join("; ", _loose)} if {
	count(_loose) > 0
} else := {"status": "ERROR", "reason": outcome.join("; ", _unknown)} if {
	count(_unknown) > 0
} else := {"status": "PASS", "reason": concat("", ["every image is pinned: ", outcome.join(", ", _pinned)])} if {
	count(_pinned) > 0
} else := {"status": "N/A", "reason": concat("", ["the ", consumers.noun, " names no image to pin"])} if {
	is_array(input.images)
} else := {"status": "ERROR", "reason": "the images are missing from the input"}
