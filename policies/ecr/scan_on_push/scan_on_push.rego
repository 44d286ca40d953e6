# METADATA
# title: Repositories scan images on push
# description: >-
#   Images should be scanned for vulnerabilities when they are pushed (or
#   continuously), not only when someone remembers to ask. The control judges
#   the effective setting as AWS computes it (BatchGetRepositoryScanningConfiguration);
#   where only configuration is known it derives that setting from the
#   registry's scanning rules, and from the repository's own scanOnPush when
#   the registry has no rules.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-basic-enabling.html
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-1
# custom:
#   id: ecr-scan-on-push
#   severity: HIGH
#   resource_type: repository
#   frameworks:
#     aws-fsbp: [ECR.1]
#   remediation:
#     cli: >-
#       aws ecr put-registry-scanning-configuration --scan-type BASIC
#       --rules '[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]'
#     terraform: |-
#       resource "aws_ecr_registry_scanning_configuration" "this" {
#         scan_type = "BASIC"
#         rule {
#           scan_frequency = "SCAN_ON_PUSH"
#           repository_filter {
#             filter      = "*"
#             filter_type = "WILDCARD"
#           }
#         }
#       }
package ecr.scan_on_push

import data.lib.verdict as outcome
import data.lib.wildcard

_batch := input.scanningConfiguration

_registry := input.registry.scanningConfiguration

_name := input.repository.repositoryName if is_string(input.repository.repositoryName) else := "the repository"

# ---------------------------------------------------------------------------
# Could the setting be collected?

_batch_failed if input.errors.scanningConfiguration != null

_registry_failed if input.registry.errors.scanningConfiguration != null

# The registry configuration cannot stand in for the effective setting when
# reading it failed or it is absent.
_registry_unusable if _registry_failed

# Named rules rather than `not is_object(...)` inline: OPA and rego-cpp
# disagree on negating a builtin call whose argument is undefined.
_registry_unusable if not _registry_known

_registry_known if is_object(_registry)

_batch_known if is_object(_batch)

# The effective setting failed and the configuration cannot replace it, or
# nothing names the setting and the configuration failed.
_uncollectable if {
	_batch_failed
	_registry_unusable
}

_uncollectable if {
	_registry_failed
	not _batch_known
}

_errors contains e if {
	e := input.errors.scanningConfiguration
	e != null
}

_errors contains e if {
	e := input.registry.errors.scanningConfiguration
	e != null
}

_error_reason := concat("; ", sort({outcome.error_text(e) | some e in _errors}))

# ---------------------------------------------------------------------------
# The effective setting, as BatchGetRepositoryScanningConfiguration reports it

# No filters, the usual case, needs no set built.
_applied_text := "no applied scan filters" if {
	_batch.appliedScanFilters == []
} else := concat("", ["applied scan filters ", applied]) if {
	# outcome.quoted, inlined: each distinct filter in quotes, sorted.
	applied := concat(", ", sort({q | some f in _batch.appliedScanFilters; q := sprintf("\"%v\"", [f.filter])}))
	applied != ""
} else := "no applied scan filters"

_batch_verdict := {
	"status": "PASS",
	"reason": concat("", ["scanFrequency is SCAN_ON_PUSH (", _applied_text, ")"]),
} if {
	_batch.scanFrequency == "SCAN_ON_PUSH"
} else := {
	"status": "FAIL",
	"reason": concat("", ["scanFrequency is MANUAL (", _applied_text, "): images are scanned only on request"]),
} if {
	_batch.scanFrequency == "MANUAL"
} else := {
	"status": "PASS",
	"reason": concat("", ["scanFrequency is CONTINUOUS_SCAN (", _applied_text, ")"]),
} if {
	_batch.scanFrequency == "CONTINUOUS_SCAN"
} else := {
	"status": "FAIL",
	"reason": sprintf("scanFrequency has the unknown value \"%v\"", [_batch.scanFrequency]),
} if {
	_batch.scanFrequency != null
} else := {"status": "FAIL", "reason": "scanFrequency is missing from the scanning configuration"}

# ---------------------------------------------------------------------------
# The setting derived from the registry's rules, the way AWS applies them

_rules := _registry.rules if is_array(_registry.rules) else := []

_scan_type := _registry.scanType if is_string(_registry.scanType) else := "an unknown scan type"

# A filter without `*` matches every name that contains it; with `*` it is a
# pattern over the whole name.
# An else chain rather than two bodies: rego-cpp stops at the first that holds.
_filter_matches(f) := true if {
	is_string(f)
	not contains(f, "*")
	contains(_name, f)
} else := true if {
	is_string(f)
	contains(f, "*")
	wildcard.matches(f, _name)
}

# The filters of the rules with this frequency that match the repository.
_matching(frequency) := {f.filter |
	some rule in _rules
	rule.scanFrequency == frequency
	some f in rule.repositoryFilters
	_filter_matches(f.filter)
}

# Each set computed once: a verdict needs both its count and its filters.
_continuous := _matching("CONTINUOUS_SCAN")

_on_push := _matching("SCAN_ON_PUSH")

_manual := _matching("MANUAL")

# The decision a set of matching filters makes, as a reason.
_rule_text(frequency, filters) := concat("", [
	"registry rule ", frequency, _with_filters(filters),
	" matches ", _name, " (", _scan_type, " scanning)",
])

_with_filters(filters) := concat("", [" with filter ", outcome.quoted(filters)]) if {
	count(filters) == 1
} else := concat("", [" with filters ", outcome.quoted(filters)])

# Named verdicts: rego-cpp pays for every object literal in an else branch it passes over.
_continuous_verdict := {"status": "PASS", "reason": _rule_text("CONTINUOUS_SCAN", _continuous)}

_on_push_verdict := {"status": "PASS", "reason": _rule_text("SCAN_ON_PUSH", _on_push)}

_manual_verdict := {"status": "FAIL", "reason": concat("", [_rule_text("MANUAL", _manual), ": images are scanned only on request"])}

# Continuous scanning wins over scan on push, and both over a MANUAL rule.
# The repository's own scanOnPush is a basic-scanning setting: enhanced
# scanning (Amazon Inspector) scans only what a registry rule selects.
_derived_verdict := _own_setting if {
	_uses_own
} else := _continuous_verdict if {
	count(_continuous) > 0
} else := _on_push_verdict if {
	count(_on_push) > 0
} else := _manual_verdict if {
	count(_manual) > 0
} else := {"status": "FAIL", "reason": concat("", [
	"no registry scanning rule matches ", _name,
	", so under BASIC scanning its images are scanned only on request (MANUAL)",
])} if {
	_scan_type == "BASIC"
} else := {"status": "FAIL", "reason": concat("", [
	"no registry scanning rule matches ", _name,
	", so under ENHANCED scanning its images are not scanned",
])} if {
	_scan_type == "ENHANCED"
} else := {"status": "FAIL", "reason": concat("", [
	"no registry scanning rule matches ", _name, " under ", _scan_type,
])}

# With no registry rules at all, the repository's own setting decides.
_own := input.repository.imageScanningConfiguration.scanOnPush

_own_setting := {
	"status": "PASS",
	"reason": "the registry has no scanning rules and the repository's imageScanningConfiguration.scanOnPush is true",
} if {
	_own == true
} else := {
	"status": "FAIL",
	"reason": "the registry has no scanning rules and the repository's imageScanningConfiguration.scanOnPush is false",
} if {
	_own == false
} else := {
	"status": "FAIL",
	"reason": "the registry has no scanning rules and the repository's imageScanningConfiguration.scanOnPush is missing",
}

# ---------------------------------------------------------------------------

# Planned infrastructure: the derived setting needs a value only apply tells.
# The repository's own scanOnPush decides when the registry has no rules
# (errors.imageScanningConfiguration); its name decides which registry rules
# match (errors.repositoryName).
_uses_own if {
	count(_rules) == 0
	_scan_type != "ENHANCED"
}

_own_unknown if {
	_uses_own
	input.errors.imageScanningConfiguration != null
}

_name_unknown if {
	input.errors.repositoryName != null
	count(_rules) > 0
}

# The common case first: the effective setting was collected and reading it did not fail, so
# it cannot be uncollectable (the ERROR below) and decides alone.
verdict := _batch_verdict if {
	_batch_known
	not _batch_failed
} else := {"status": "ERROR", "reason": _error_reason} if {
	_uncollectable
} else := _batch_verdict if {
	_batch_known
} else := outcome.error(input.errors.imageScanningConfiguration) if {
	_own_unknown
} else := outcome.error(input.errors.repositoryName) if {
	_name_unknown
} else := _derived_verdict
