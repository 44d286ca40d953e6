# METADATA
# title: No lifecycle rule expires an image a service or function still runs
# description: >-
#   A lifecycle rule expires images by age or count without knowing what runs
#   them: the running tasks keep working, and the next scale-out or task
#   replacement, weeks later, fails with CannotPullContainerError. Each
#   image a consumer references is run through its repository's lifecycle
#   rules as ECR does, at the snapshot's collection time: rules in rulePriority
#   order, the first whose tag selection (tagStatus, every tagPrefixList prefix
#   or tagPatternList pattern matching some tag) matches the image decides;
#   sinceImagePushed and sinceImagePulled compare the age with countNumber
#   days, imageCountMoreThan counts the newer images the rule selects; an
#   expire or transition (archive) action fails the image. Planned
#   infrastructure (ecrscan iac) holds no images: N/A, except an image a
#   Terraform data source read at plan time, judged by its push time.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
# custom:
#   id: lifecycle-spares-in-use
#   severity: HIGH
#   resource_type: [ecs-service, lambda-function]
#   frameworks:
#     nist-800-53-r5: [CP-10, SI-12]
#   remediation:
#     cli: >-
#       aws ecr get-lifecycle-policy-preview --repository-name NAME;
#       keep deployed images out of the rule (a tag prefix such as prod- with its own, later rule),
#       raise countNumber, or deploy a newer image
#     terraform: |-
#       resource "aws_ecr_lifecycle_policy" "app" {
#         repository = aws_ecr_repository.app.name
#         policy = jsonencode({ rules = [
#           { rulePriority = 1, description = "keep what production runs",
#             selection = { tagStatus = "tagged", tagPrefixList = ["prod-"], countType = "imageCountMoreThan", countNumber = 50 },
#             action = { type = "expire" } },
#           { rulePriority = 2, selection = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 14 },
#             action = { type = "expire" } },
#         ] })
#       }
package ecr.lifecycle_spares_in_use

import data.lib.consumers
import data.lib.verdict as outcome
import data.lib.wildcard

_day_ns := 86400000000000

_timestamp(t) if {
	is_string(t)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`, t)
}

# ECR images ECR found in a repository of the scan: the ones its rules can expire.
_judged := [img |
	some img in consumers.ecr_images
	img.lookup == "found"
]

_rules(img) := img.repository.lifecyclePolicy.document.rules

_tags(img) := img.imageDetail.imageTags if is_array(img.imageDetail.imageTags) else := []

# ---------------------------------------------------------------------------
# Which rule decides an image: the first, by priority, whose selection matches

_selects(rule, tags) if rule.selection.tagStatus == "any"

_selects(rule, tags) if {
	rule.selection.tagStatus == "untagged"
	count(tags) == 0
}

_selects(rule, tags) if {
	rule.selection.tagStatus == "tagged"
	count(tags) > 0
	every prefix in _list(object.get(rule.selection, "tagPrefixList", [])) {
		_tag_prefix_hit(prefix, tags)
	}
	every pattern in _list(object.get(rule.selection, "tagPatternList", [])) {
		_tag_pattern_hit(pattern, tags)
	}
}

_list(x) := x if is_array(x) else := []

_tag_prefix_hit(prefix, tags) if {
	some tag in tags
	is_string(prefix)
	startswith(tag, prefix)
}

_tag_pattern_hit(pattern, tags) if {
	some tag in tags
	is_string(pattern)
	wildcard.matches(pattern, tag)
}

# The index of the deciding rule (the lowest rulePriority among those that
# select the image; the first such rule when priorities repeat).
_deciding(img) := index if {
	rules := _rules(img)
	tags := _tags(img)
	priorities := {p |
		some r in rules
		_selects(r, tags)
		p := r.rulePriority
		is_number(p)
	}
	count(priorities) > 0
	first := min(priorities)
	index := min({i |
		some i
		r := rules[i]
		r.rulePriority == first
		_selects(r, tags)
	})
}

# ---------------------------------------------------------------------------
# What the deciding rule does to the image: {"expires": "yes"|"no"|"unknown", "text"}

_ages := {"sinceImagePushed", "sinceImagePulled"}

_rule_effect(img, rule) := {"expires": "no", "text": concat("", [_lc_rule_text(rule), " selects it but takes ", _action(rule)])} if {
	not _acts(rule)
} else := {"expires": "unknown", "text": concat("", [_lc_rule_text(rule), " has no whole countNumber"])} if {
	not _counted(rule)
} else := {"expires": "no", "text": concat("", [_lc_rule_text(rule), " expires only archived images"])} if {
	rule.selection.countType == "sinceImageTransitioned"
} else := _by_age(rule, days) if {
	rule.selection.countType in _ages
	since := _age_from(img, rule)
	_timestamp(since)
	_timestamp(input.collected_at)
	days := floor((time.parse_rfc3339_ns(input.collected_at) - time.parse_rfc3339_ns(since)) / _day_ns)
} else := {"expires": "unknown", "text": concat("", [_lc_rule_text(rule), " counts age, but the image's times are missing"])} if {
	rule.selection.countType in _ages
} else := {"expires": "unknown", "text": concat("", [
	_lc_rule_text(rule), " counts images, but ", _images_unknown(img),
])} if {
	rule.selection.countType == "imageCountMoreThan"
	not _newer_known(img)
} else := _by_count(rule, newer) if {
	rule.selection.countType == "imageCountMoreThan"
	newer := count([n |
		some n in img.newerImages
		_selects(rule, _list(object.get(n, "imageTags", [])))
	])
} else := {"expires": "unknown", "text": concat("", [_lc_rule_text(rule), " has an unknown countType"])}

# Helper rules, not `not x in {...}`: engines differ on negating `in` over an undefined value.
_acts(rule) if rule.action.type in {"expire", "transition"}

# Helpers for `not`: OPA evaluates a function call under `not` before negating,
# so `not is_array(f(x))` fails where f(x) is undefined.
_counted(rule) if is_number(rule.selection.countNumber)

_newer_known(img) if is_array(img.newerImages)

_rules_known(img) if is_array(_rules(img))

_action(rule) := concat("", ["action ", rule.action.type]) if is_string(rule.action.type) else := "no action"

_verb(rule) := "archive" if rule.action.type == "transition" else := "expire"

# sinceImagePulled counts from the last recorded pull, or the push for an
# image never pulled.
_age_from(img, rule) := img.imageDetail.lastRecordedPullTime if {
	rule.selection.countType == "sinceImagePulled"
	is_string(img.imageDetail.lastRecordedPullTime)
} else := img.imageDetail.imagePushedAt

_images_unknown(img) := concat("", ["the images of ", img.repositoryName, " could not be listed (", outcome.error_text(img.repository.errors.images), ")"]) if {
	img.repository.errors.images != null
} else := concat("", ["the images of ", img.repositoryName, " are not in the input"])

_by_age(rule, days) := {"expires": "yes", "text": concat("", [
	_lc_rule_text(rule), " would ", _verb(rule), " it: ", _age_word(rule), " ", format_int(days, 10),
	" days ago, more than ", format_int(rule.selection.countNumber, 10),
])} if {
	days > rule.selection.countNumber
} else := {"expires": "no", "text": concat("", [
	_lc_rule_text(rule), " keeps it for ", format_int(rule.selection.countNumber - days, 10), " more days",
])}

_age_word(rule) := "last pulled" if rule.selection.countType == "sinceImagePulled" else := "pushed"

_by_count(rule, newer) := {"expires": "yes", "text": concat("", [
	_lc_rule_text(rule), " would ", _verb(rule), " it: ", format_int(newer, 10),
	" newer images match the rule, which keeps ", format_int(rule.selection.countNumber, 10),
])} if {
	newer >= rule.selection.countNumber
} else := {"expires": "no", "text": concat("", [
	_lc_rule_text(rule), " keeps it: ", format_int(newer, 10), " newer of ", format_int(rule.selection.countNumber, 10),
])}

_lc_rule_text(rule) := concat("", ["rule ", format_int(rule.rulePriority, 10), " (", rule.description, ")"]) if {
	is_number(rule.rulePriority)
	is_string(rule.description)
	rule.description != ""
} else := concat("", ["rule ", format_int(rule.rulePriority, 10)]) if {
	is_number(rule.rulePriority)
} else := "a rule without a priority"

# ---------------------------------------------------------------------------
# One outcome per image: {"status", "text"}

_image(img) := {"status": "ERROR", "text": concat("", [consumers.image_text(img), ": ", outcome.error_text(img.repository.errors.lifecyclePolicy)])} if {
	img.repository.errors.lifecyclePolicy != null
} else := {"status": "PASS", "text": concat("", [consumers.image_text(img), ": no lifecycle policy"])} if {
	img.repository.lifecyclePolicy == null
} else := {"status": "ERROR", "text": concat("", [consumers.image_text(img), ": the lifecycle policy cannot be read"])} if {
	not _rules_known(img)
} else := {"status": "PASS", "text": concat("", [consumers.image_text(img), ": no rule selects it"])} if {
	not _deciding(img)
} else := _from_effect(img, _rule_effect(img, _rules(img)[_deciding(img)]))

_from_effect(img, effect) := {"status": "FAIL", "text": concat("", [consumers.image_text(img), ": ", effect.text])} if {
	effect.expires == "yes"
} else := {"status": "ERROR", "text": concat("", [consumers.image_text(img), ": ", effect.text])} if {
	effect.expires == "unknown"
} else := {"status": "PASS", "text": concat("", [consumers.image_text(img), ": ", effect.text])}

_outcomes := {o |
	some img in _judged
	o := _image(img)
}

_texts(status) := {t | some o in _outcomes; o.status == status; t := o.text}

# Planned infrastructure: ECR images whose existence ecrscan iac cannot see.
_planned_images := {t |
	some img in consumers.ecr_images
	img.lookup in {"planned", "unverified"}
	t := consumers.image_text(img)
}

_outside := {t |
	some img in consumers.ecr_images
	img.lookup in {"not-scanned", "failed"}
	t := concat("", [consumers.image_text(img), " is in ", consumers.where(img), ", whose lifecycle policy is not in the scan"])
}

verdict := consumers.collection_error if {
	consumers.incomplete
} else := {"status": "FAIL", "reason": outcome.join("; ", _texts("FAIL"))} if {
	count(_texts("FAIL")) > 0
} else := {"status": "ERROR", "reason": outcome.join("; ", _texts("ERROR") | _outside)} if {
	count(_texts("ERROR") | _outside) > 0
} else := {"status": "N/A", "reason": concat("", [
	"whether a lifecycle rule would expire ", outcome.join(", ", _planned_images),
	" turns on the images in its repository, which are live state that ecrscan iac does not read",
	" (the live scan judges it)",
])} if {
	count(_judged) == 0
	input.origin == "iac"
	count(_planned_images) > 0
} else := {"status": "N/A", "reason": concat("", ["the ", consumers.noun, " runs no image found in an ECR repository of the scan"])} if {
	count(_judged) == 0
} else := {"status": "PASS", "reason": outcome.join("; ", _texts("PASS"))} if {
	count(_texts("PASS")) > 0
} else := {"status": "ERROR", "reason": "the images are missing from the input"}
