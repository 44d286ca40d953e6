# METADATA
# title: The registry scans every repository with enhanced continuous scanning
# description: >-
#   Registry scanning rules decide which repositories are scanned at all:
#   BASIC scanning checks operating-system packages only, when an image is
#   pushed, and a rule whose filters leave repositories out leaves them
#   unscanned. The registry (one per account and region) passes when its scan
#   type and rules meet registry_scanning_minimum for every repository:
#   enhanced_continuous (default; ENHANCED with CONTINUOUS_SCAN),
#   enhanced_on_push (ENHANCED, on push or continuous) or on_push (any scan
#   type, on push or continuous). Repositories left out are named.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html#image-scanning-filters
# custom:
#   id: ecr-registry-scanning
#   severity: HIGH
#   resource_type: registry
#   frameworks:
#     nist-800-53-r5: [RA-5]
#   remediation:
#     cli: >-
#       aws ecr put-registry-scanning-configuration --scan-type ENHANCED
#       --rules '[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]'
#     terraform: |-
#       resource "aws_ecr_registry_scanning_configuration" "this" {
#         scan_type = "ENHANCED"
#         rule {
#           scan_frequency = "CONTINUOUS_SCAN"
#           repository_filter {
#             filter      = "*"
#             filter_type = "WILDCARD"
#           }
#         }
#       }
package ecr.registry_scanning

import data.lib.scanning
import data.lib.verdict as outcome

_configuration := input.registry.scanningConfiguration

_scan_type := _configuration.scanType if is_string(_configuration.scanType) else := "an unknown scan type"

_rules := _configuration.rules if is_array(_configuration.rules) else := []

_names := input.repositoryNames

_minimum := data.ecrscan.config.registry_scanning_minimum

_needs_enhanced if _minimum in {"enhanced_continuous", "enhanced_on_push"}

_frequencies := {"CONTINUOUS_SCAN"} if _minimum == "enhanced_continuous" else := {"CONTINUOUS_SCAN", "SCAN_ON_PUSH"}

_frequency_text := "CONTINUOUS_SCAN" if _minimum == "enhanced_continuous" else := "SCAN_ON_PUSH or CONTINUOUS_SCAN"

_covered(name) if {
	some rule in _rules
	rule.scanFrequency in _frequencies
	some f in rule.repositoryFilters
	scanning.filter_matches(f.filter, name)
}

# An array, not a set: rego-cpp builds sets over large arrays in quadratic time, and the
# names arrive sorted, so the comprehension keeps them in order.
_uncovered := [name | some name in _names; not _covered(name)]

_shown := 10

_uncovered_text := concat(", ", array.slice(_uncovered, 0, _shown)) if {
	count(_uncovered) <= _shown
} else := concat("", [
	concat(", ", array.slice(_uncovered, 0, _shown)), " and ",
	format_int(count(_uncovered) - _shown, 10), " more",
])

_configuration_known if is_object(_configuration)

_names_known if is_array(_names)

# Planned infrastructure (ecrscan iac, origin "iac") manages only the registry settings its
# sources declare (input.registry.declared); one it leaves out is managed elsewhere, if at all.
_declared if {
	some setting in input.registry.declared
	setting == "scanningConfiguration"
}

_unmanaged if {
	input.origin == "iac"
	not _declared
}

_unmanaged_verdict := {"status": "N/A", "reason": "the registry scanning configuration is not managed by this source (no aws_ecr_registry_scanning_configuration or AWS::ECR::RegistryScanningConfiguration)"}

verdict := v if {
	v := outcome.errors_of(input.errors, ["scanningConfiguration", "repositories"])
} else := _unmanaged_verdict if {
	_unmanaged
} else := {"status": "FAIL", "reason": "the registry scanning configuration is missing from the input"} if {
	not _configuration_known
} else := {"status": "FAIL", "reason": concat("", [
	"scanType is ", _scan_type, ": registry_scanning_minimum ", _minimum,
	" needs ENHANCED scanning (Amazon Inspector: operating-system and language packages, rescanned as new CVEs appear)",
])} if {
	_needs_enhanced
	_scan_type != "ENHANCED"
} else := {"status": "FAIL", "reason": "the repository list is missing from the input, so coverage cannot be shown"} if {
	not _names_known
} else := {"status": "FAIL", "reason": concat("", [
	format_int(count(_uncovered), 10), " of ", format_int(count(_names), 10),
	" repositories match no ", _scan_type, " rule with ", _frequency_text, ": ", _uncovered_text,
])} if {
	count(_uncovered) > 0
} else := {"status": "PASS", "reason": concat("", [
	_scan_type, " scanning rules cover all ", format_int(count(_names), 10),
	" repositories with ", _frequency_text,
])}
