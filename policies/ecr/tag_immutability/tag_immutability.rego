# METADATA
# title: Repository tags are immutable
# description: >-
#   A mutable tag lets anyone with push rights replace the image behind it, so
#   the image that was reviewed, scanned and deployed as `v1.2.3` may not be the
#   one that runs next. IMMUTABLE passes; IMMUTABLE_WITH_EXCLUSION passes (its
#   exclusion filters named) unless allow_tag_exclusions is false; MUTABLE,
#   MUTABLE_WITH_EXCLUSION, a missing or an unknown value fail.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-2
# custom:
#   id: ecr-tag-immutability
#   severity: MEDIUM
#   resource_type: repository
#   frameworks:
#     aws-fsbp: [ECR.2]
#   remediation:
#     cli: aws ecr put-image-tag-mutability --repository-name NAME --image-tag-mutability IMMUTABLE
#     terraform: |-
#       resource "aws_ecr_repository" "app" {
#         name                 = "team/api"
#         image_tag_mutability = "IMMUTABLE"
#       }
package ecr.tag_immutability

import data.lib.verdict as outcome

_mutability := input.repository.imageTagMutability

# A named rule, not `not is_string(...)` inline: OPA and rego-cpp disagree on
# negating a builtin call whose argument is undefined.
_has_mutability if is_string(_mutability)

# The exclusion filters in quotes, sorted: `"latest", "dev-*"`.
_filters := outcome.quoted({f.filter | some f in input.repository.imageTagMutabilityExclusionFilters})

# Reasons are assembled with concat, never sprintf: rego-cpp's sprintf mangles
# strings that another builtin (concat, lower) produced.
_filter_text := concat(" ", ["exclusion filters", _filters]) if _filters != "" else := "no exclusion filters"

# Exclusions are allowed unless the configuration says otherwise: the
# documented default is true, and only an explicit true or absence allows.
_exclusions_allowed if data.ecrscan.config.allow_tag_exclusions == true

_exclusions_allowed if not _exclusions_configured

_exclusions_configured if data.ecrscan.config.allow_tag_exclusions != null

# The setting, or the exclusion filters a *_WITH_EXCLUSION value depends on,
# could not be known: planned infrastructure whose value only apply tells
# (errors.imageTagMutability, errors.imageTagMutabilityExclusionFilters).
_exclusion_values := {"IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"}

_filters_unknown if {
	_mutability in _exclusion_values
	input.errors.imageTagMutabilityExclusionFilters != null
}

# An allow-list: only the two IMMUTABLE values can pass, and anything this
# chain does not name (a missing or a new value) ends in a FAIL.
verdict := outcome.error(input.errors.imageTagMutability) if {
	input.errors.imageTagMutability != null
} else := outcome.error(input.errors.imageTagMutabilityExclusionFilters) if {
	_filters_unknown
} else := {"status": "PASS", "reason": "imageTagMutability is IMMUTABLE"} if {
	_mutability == "IMMUTABLE"
} else := {
	"status": "PASS",
	"reason": concat("", ["imageTagMutability is IMMUTABLE_WITH_EXCLUSION; tags matching ", _filter_text, " stay mutable"]),
} if {
	_mutability == "IMMUTABLE_WITH_EXCLUSION"
	_exclusions_allowed
} else := {
	"status": "FAIL",
	"reason": concat("", [
		"imageTagMutability is IMMUTABLE_WITH_EXCLUSION and allow_tag_exclusions is false; tags matching ",
		_filter_text, " stay mutable",
	]),
} if {
	_mutability == "IMMUTABLE_WITH_EXCLUSION"
} else := {"status": "FAIL", "reason": "imageTagMutability is MUTABLE: every tag can be overwritten"} if {
	_mutability == "MUTABLE"
} else := {
	"status": "FAIL",
	"reason": concat("", ["imageTagMutability is MUTABLE_WITH_EXCLUSION: only tags matching ", _filter_text, " are immutable"]),
} if {
	_mutability == "MUTABLE_WITH_EXCLUSION"
} else := {"status": "FAIL", "reason": "imageTagMutability is missing, so tags cannot be shown to be immutable"} if {
	not _has_mutability
} else := {"status": "FAIL", "reason": sprintf("imageTagMutability has the unknown value \"%v\"", [_mutability])}
