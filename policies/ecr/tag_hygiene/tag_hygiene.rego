# METADATA
# title: Production repositories use traceable tags and no latest
# description: >-
#   A `latest` tag in production says nothing about what runs and moves under
#   a running deployment; a tag that is neither a version, a commit nor a
#   build number cannot be traced to its source. Repositories selected by
#   production_repositories (name patterns or resource tags; default every
#   repository) must carry no `latest` tag, and every tag must follow one of
#   tag_schemes (semver, git_sha, build_number). The count of untagged
#   images is reported.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
#   - https://semver.org/
# custom:
#   id: ecr-tag-hygiene
#   severity: LOW
#   resource_type: repository
#   frameworks:
#     nist-800-53-r5: [CM-2, CM-8]
#   remediation:
#     cli: >-
#       aws ecr batch-delete-image --repository-name NAME --image-ids imageTag=latest;
#       tag builds with the version or commit (docker tag app NAME:1.4.2 or NAME:$(git rev-parse --short HEAD))
#     terraform: |-
#       resource "aws_ecr_repository" "app" {
#         name                 = "app"
#         image_tag_mutability = "IMMUTABLE" # a moved tag is refused
#       }
package ecr.tag_hygiene

import data.lib.selector
import data.lib.verdict as outcome

_name := input.repository.repositoryName

_selector := data.ecrscan.config.production_repositories

_schemes := data.ecrscan.config.tag_schemes

_patterns := {
	"semver": `^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`,
	"git_sha": `^(sha-)?[0-9a-f]{7,40}$`,
	"build_number": `^(build-|b)?[0-9]+$`,
}

_tags := input.derived.images.tags

_selected if selector.selects(_selector, _name, input.tags)

_conforms(tag) if {
	some scheme in _schemes
	regex.match(_patterns[scheme], tag)
}

# An array: a repository can hold thousands of tags (see lib.verdict on sets).
_offending := [tag | some tag in _tags; not _conforms(tag)]

_shown := 5

_offending_text := concat(", ", array.slice(_offending, 0, _shown)) if {
	count(_offending) <= _shown
} else := concat("", [concat(", ", array.slice(_offending, 0, _shown)), " and ", format_int(count(_offending) - _shown, 10), " more"])

_problems := array.concat(_latest_problem, _scheme_problem)

_latest_problem := ["carries the latest tag, which names no build and moves under running deployments"] if {
	"latest" in _tags
} else := []

_scheme_problem := [concat("", [
	format_int(count(_offending), 10), " tag(s) follow none of ", concat(", ", _schemes), ": ", _offending_text,
])] if {
	count(_offending) > 0
} else := []

_untagged_text := concat("", [format_int(input.derived.images.untaggedImageCount, 10), " untagged image(s)"]) if {
	is_number(input.derived.images.untaggedImageCount)
} else := "untagged images not counted"

_tags_known if is_array(_tags)

_tags_unreadable if {
	selector.needs_tags(_selector, _name)
	input.errors.tags != null
}

# Planned infrastructure (ecrscan iac, origin "iac") holds no images yet: whatever the source
# cannot tell (even an unknown registry setting), this control has nothing to judge there.
_planned if input.origin == "iac"

verdict := {"status": "N/A", "reason": "image tags are live state; planned infrastructure holds no images yet"} if {
	_planned
} else := outcome.error(input.errors.tags) if {
	_tags_unreadable
} else := {"status": "N/A", "reason": concat("", [_name, " is not selected by production_repositories (", selector.describe(_selector), ")"])} if {
	not _selected
} else := v if {
	v := outcome.errors_of(input.errors, ["images"])
} else := {"status": "FAIL", "reason": "the image tags in use are missing from the input, so they cannot be judged"} if {
	not _tags_known
} else := {"status": "FAIL", "reason": concat("", [concat("; ", _problems), "; ", _untagged_text])} if {
	count(_problems) > 0
} else := {"status": "PASS", "reason": concat("", [
	"all ", format_int(count(_tags), 10), " tag(s) follow ", concat(", ", _schemes), " and none is latest; ", _untagged_text,
])}
