# METADATA
# title: Lifecycle policies expire untagged images and cap tagged ones
# description: >-
#   A lifecycle policy can exist and still expire nothing: a rule for a tag
#   prefix nobody uses, an age of a year, a count of ten thousand. The
#   repository passes when its rules parse with unique priorities, some rule
#   expires untagged images within lifecycle_untagged_max_days of their push
#   (default 14), and some image-count rule caps tagged images between
#   lifecycle_tagged_count_min and lifecycle_tagged_count_max (default 10 to
#   30); a cap restricted to tag prefixes or patterns must match a tag the
#   repository uses.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
# custom:
#   id: ecr-lifecycle-effective
#   severity: MEDIUM
#   resource_type: repository
#   frameworks:
#     nist-800-53-r5: [SI-12, CM-2]
#   remediation:
#     cli: >-
#       aws ecr put-lifecycle-policy --repository-name NAME --lifecycle-policy-text
#       '{"rules":[{"rulePriority":1,"description":"Expire untagged images after 14 days",
#       "selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},
#       "action":{"type":"expire"}},{"rulePriority":2,"description":"Keep the last 30 images",
#       "selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}'
#     terraform: |-
#       resource "aws_ecr_lifecycle_policy" "app" {
#         repository = aws_ecr_repository.app.name
#         policy = jsonencode({ rules = [
#           { rulePriority = 1, description = "Expire untagged images after 14 days",
#             selection = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 14 },
#             action = { type = "expire" } },
#           { rulePriority = 2, description = "Keep the last 30 images",
#             selection = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 },
#             action = { type = "expire" } },
#         ] })
#       }
package ecr.lifecycle_effective

import data.lib.verdict as outcome
import data.lib.wildcard

_config := data.ecrscan.config

_max_days := _config.lifecycle_untagged_max_days

_min_count := _config.lifecycle_tagged_count_min

_max_count := _config.lifecycle_tagged_count_max

_policy := input.derived.lifecyclePolicy

_rules := _policy.document.rules

_tags := input.derived.images.tags

_has_parse_error if {
	is_object(_policy)
	"parseError" in object.keys(_policy)
}

_rules_known if {
	is_array(_rules)
	count(_rules) > 0
}

# ---------------------------------------------------------------------------
# Does each rule parse? Every problem is a phrase that follows the rule's label.

_tag_statuses := {"tagged", "untagged", "any"}

_count_types := {"imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"}

_label(i) := sprintf("rules[%d]", [i])

_rule_problems contains problem if {
	some i, rule in _rules
	not is_object(rule)
	problem := concat(" ", [_label(i), "is not an object"])
}

_rule_problems contains problem if {
	some i, rule in _rules
	is_object(rule)
	not _valid_priority(rule)
	problem := concat(" ", [_label(i), "has no whole-number rulePriority of at least 1"])
}

_rule_problems contains problem if {
	some i, rule in _rules
	is_object(rule)
	not rule.selection.tagStatus in _tag_statuses
	problem := concat(" ", [_label(i), "has no tagStatus of tagged, untagged or any"])
}

_rule_problems contains problem if {
	some i, rule in _rules
	is_object(rule)
	not rule.selection.countType in _count_types
	problem := concat(" ", [_label(i), "has an unknown countType"])
}

_rule_problems contains problem if {
	some i, rule in _rules
	is_object(rule)
	not _valid_count(rule)
	problem := concat(" ", [_label(i), "has no whole-number countNumber of at least 1"])
}

_rule_problems contains problem if {
	some i, rule in _rules
	is_object(rule)
	rule.selection.tagStatus == "tagged"
	count(_filters(rule)) == 0
	problem := concat(" ", [_label(i), "selects tagged images without tagPrefixList or tagPatternList"])
}

_rule_problems contains problem if {
	some i, rule in _rules
	is_object(rule)
	not rule.action.type in {"expire", "transition"}
	problem := concat(" ", [_label(i), "has no action type expire or transition"])
}

_rule_problems contains problem if {
	some p in {r.rulePriority | some r in _rules}
	count([r | some r in _rules; r.rulePriority == p]) > 1
	is_number(p)
	problem := concat("", ["rulePriority ", format_int(p, 10), " is used by more than one rule"])
}

_valid_priority(rule) if {
	is_number(rule.rulePriority)
	rule.rulePriority >= 1
	floor(rule.rulePriority) == rule.rulePriority
}

_valid_count(rule) if {
	is_number(rule.selection.countNumber)
	rule.selection.countNumber >= 1
	floor(rule.selection.countNumber) == rule.selection.countNumber
}

# The tag prefixes and patterns a rule is restricted to.
_filters(rule) := {f | some f in rule.selection.tagPrefixList} | {f | some f in rule.selection.tagPatternList}

# ---------------------------------------------------------------------------
# What the rules do

_expires(rule) if {
	rule.action.type == "expire"
	_valid_count(rule)
}

# The ages (days) after which some rule expires untagged images.
_untagged_days := {rule.selection.countNumber |
	some rule in _rules
	_expires(rule)
	rule.selection.tagStatus in {"untagged", "any"}
	rule.selection.countType == "sinceImagePushed"
	rule.selection.countUnit == "days"
}

_untagged_ok := {d | some d in _untagged_days; d <= _max_days}

# The indexes of image-count caps on tagged images within the configured range.
_caps contains i if {
	some i, rule in _rules
	_expires(rule)
	rule.selection.tagStatus in {"tagged", "any"}
	rule.selection.countType == "imageCountMoreThan"
	rule.selection.countNumber >= _min_count
	rule.selection.countNumber <= _max_count
}

# A cap works when it selects every tag (tagStatus any), when the tags in use are unknown
# (planned infrastructure has no images) or none exist yet, or when one of its prefixes or
# patterns matches a tag in use.
_working_cap(i) if _rules[i].selection.tagStatus == "any"

_working_cap(i) if {
	_rules[i].selection.tagStatus == "tagged"
	not _tags_in_use
}

_working_cap(i) if {
	_rules[i].selection.tagStatus == "tagged"
	some tag in _tags
	_rule_matches(_rules[i], tag)
}

_tags_in_use if {
	is_array(_tags)
	count(_tags) > 0
}

_rule_matches(rule, tag) if {
	some prefix in rule.selection.tagPrefixList
	is_string(prefix)
	startswith(tag, prefix)
}

_rule_matches(rule, tag) if {
	some pattern in rule.selection.tagPatternList
	is_string(pattern)
	wildcard.matches(pattern, tag)
}

_working_caps := {n | some i in _caps; _working_cap(i); n := _rules[i].selection.countNumber}

# Caps that would work but match no tag in use: the reason says so.
_idle_caps contains text if {
	some i in _caps
	not _working_cap(i)
	text := concat("", [
		_label(i), " caps only tags matching ", outcome.quoted(_filters(_rules[i])),
		", which none of the repository's ", format_int(count(_tags), 10), " tag(s) in use do",
	])
}

_gaps contains gap if {
	count(_untagged_ok) == 0
	gap := concat("", [
		"no rule expires untagged images within ", format_int(_max_days, 10),
		" days (sinceImagePushed, countUnit days)", _untagged_hint,
	])
}

_gaps contains gap if {
	count(_working_caps) == 0
	gap := concat("", [
		"no image-count rule caps tagged images at ", format_int(_min_count, 10), " to ",
		format_int(_max_count, 10), _cap_hint,
	])
}

_untagged_hint := concat("", [": the shortest is ", format_int(min(_untagged_days), 10), " days"]) if {
	count(_untagged_days) > 0
} else := ""

_cap_hint := concat("", [": ", outcome.join("; ", _idle_caps)]) if {
	count(_idle_caps) > 0
} else := ""

_problems := _rule_problems | _gaps

# The idle-cap check needs the tags in use; without them (DescribeImages failed) it is unknown.
_needs_images if {
	not _any_cap
	some i in _caps
	_rules[i].selection.tagStatus == "tagged"
}

_any_cap if {
	some i in _caps
	_rules[i].selection.tagStatus == "any"
}

# ---------------------------------------------------------------------------

verdict := outcome.error(input.errors.lifecyclePolicy) if {
	input.errors.lifecyclePolicy != null
} else := {"status": "FAIL", "reason": "no lifecycle policy: images are kept for ever"} if {
	_policy == null
} else := {"status": "FAIL", "reason": sprintf("lifecycle policy text is not valid JSON: %v", [_policy.parseError])} if {
	_has_parse_error
} else := {"status": "FAIL", "reason": "lifecycle policy has no rules, so it expires nothing"} if {
	is_object(_policy)
	not _rules_known
} else := outcome.error(input.errors.images) if {
	input.errors.images != null
	_needs_images
} else := {"status": "FAIL", "reason": outcome.join("; ", _problems)} if {
	_rules_known
	count(_problems) > 0
} else := {"status": "PASS", "reason": concat("", [
	"untagged images expire after ", format_int(min(_untagged_ok), 10),
	" days and tagged images are capped at ", format_int(min(_working_caps), 10),
]), } if {
	_rules_known
	count(_problems) == 0
} else := {"status": "FAIL", "reason": "lifecycle policy is missing from the input, so it cannot be shown to expire anything"}
