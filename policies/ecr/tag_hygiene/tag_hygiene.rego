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

# Evaluation cost matters here (rego-cpp runs one query per repository): verdicts are named rules
# rather than object literals in the else chain, since rego-cpp pays for every literal in a branch
# it passes over.

_name := input.repository.repositoryName

_selector := data.ecrscan.config.production_repositories

_schemes := data.ecrscan.config.tag_schemes

_tags := input.derived.images.tags

# lib.selector's selects (and lib.wildcard's matches: glob.match with null delimiters), inlined:
# one rule instead of two function calls on every query, and an else so the tags are not searched
# when a name pattern already matched. Like a call of selects, it is undefined when input.tags is
# (an assignment, not `_ = input.tags`, which rego-cpp does not evaluate first).
_selected := true if {
	tags := input.tags
	is_string(_name)
	some pattern in _selector.name_patterns
	is_string(pattern)
	glob.match(pattern, null, _name)
} else := true if {
	some tag in input.tags
	some wanted in _selector.tags
	tag.Key == wanted.key
	tag.Value == wanted.value
}

# Whether a tag follows one of the configured schemes. rego-cpp compiles a regex on every call
# (tens of µs; near a hundred for semver), so a cheap test picks the schemes that can match:
# only semver allows a dot. A tag that is not a string still goes to regex.match, so each engine
# answers as it did with the schemes' patterns (OPA stops the query on the type error).
_conforms(tag) := true if {
	not is_string(tag)
	regex.match(`^(build-|b)?[0-9]+$`, tag)
} else := true if {
	contains(tag, ".")
	"semver" in _schemes
	_plain_version(tag)
} else := true if {
	contains(tag, ".")
	"semver" in _schemes
	regex.match(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`, tag)
} else := true if {
	not contains(tag, ".")
	"build_number" in _schemes
	regex.match(`^(build-|b)?[0-9]+$`, tag)
} else := true if {
	not contains(tag, ".")
	"git_sha" in _schemes
	regex.match(`^(sha-)?[0-9a-f]{7,40}$`, tag)
}

# A plain version, v?MAJOR.MINOR.PATCH without leading zeros, always matches the semver pattern,
# so it is recognised without the regex; any other tag with a dot still meets the regex.
_plain_version(tag) if {
	[major, minor, patch] := split(trim_prefix(tag, "v"), ".")
	_number(major)
	_number(minor)
	_number(patch)
}

_number(p) := true if {
	p == "0"
} else := true if {
	p != ""
	not startswith(p, "0")
	trim(p, "0123456789") == ""
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

# Planned infrastructure (ecrscan iac, origin "iac") holds no images yet: whatever the source
# cannot tell (even an unknown registry setting), this control has nothing to judge there.
_planned := {"status": "N/A", "reason": "image tags are live state; planned infrastructure holds no images yet"}

_not_selected := {"status": "N/A", "reason": concat("", [_name, " is not selected by production_repositories (", selector.describe(_selector), ")"])}

_missing := {"status": "FAIL", "reason": "the image tags in use are missing from the input, so they cannot be judged"}

_with_problems := {"status": "FAIL", "reason": concat("", [concat("; ", _problems), "; ", _untagged_text])}

_clean := {"status": "PASS", "reason": concat("", [
	"all ", format_int(count(_tags), 10), " tag(s) follow ", concat(", ", _schemes), " and none is latest; ", _untagged_text,
])}

# The verdict on the tags in use, once they are known (an array).
_judged := _with_problems if {
	count(_problems) > 0
} else := _clean

verdict := _planned if {
	input.origin == "iac"
} else := outcome.error(input.errors.tags) if {
	input.errors.tags != null
	selector.needs_tags(_selector, _name)
} else := _not_selected if {
	not _selected
} else := outcome.error(input.errors.images) if {
	input.errors.images != null
} else := _judged if {
	is_array(_tags)
} else := _missing
