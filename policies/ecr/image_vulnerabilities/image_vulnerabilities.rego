# METADATA
# title: The newest image is scanned and free of serious vulnerabilities
# description: >-
#   Scanning on push proves nothing if nobody reads the result. The newest
#   image of each repository must have been scanned (status COMPLETE; ACTIVE
#   under continuous enhanced scanning) and have no findings at or above
#   vulnerability_severity (default HIGH). Under BASIC scanning the counts
#   come from DescribeImages; under ENHANCED scanning from Amazon Inspector's
#   active findings for the image. An image never scanned fails; an empty
#   repository is N/A.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
#   - https://docs.aws.amazon.com/inspector/latest/user/scanning-ecr.html
# custom:
#   id: ecr-image-vulnerabilities
#   severity: HIGH
#   resource_type: repository
#   frameworks:
#     nist-800-53-r5: [RA-5, SI-2]
#   remediation:
#     cli: >-
#       aws ecr describe-image-scan-findings --repository-name NAME --image-id imageTag=TAG
#       (read the findings), rebuild the image on a patched base, push it; to scan an
#       image now: aws ecr start-image-scan --repository-name NAME --image-id imageTag=TAG
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
package ecr.image_vulnerabilities

import data.lib.verdict as outcome

# Evaluation cost matters here (rego-cpp runs one query per repository): verdicts are named rules
# rather than object literals in the else chains, since rego-cpp pays for every literal in a
# branch it passes over, and the cheaper or more common condition is tested first.

_newest := input.derived.images.newestImage

_status := _newest.imageScanStatus.status

_enhanced if input.registry.scanningConfiguration.scanType == "ENHANCED"

_threshold := data.ecrscan.config.vulnerability_severity

# The severities at or above the threshold, most severe first, so counts read in that order.
_counted := ["CRITICAL"] if {
	_threshold == "CRITICAL"
} else := ["CRITICAL", "HIGH"] if {
	_threshold == "HIGH"
} else := ["CRITICAL", "HIGH", "MEDIUM"] if {
	_threshold == "MEDIUM"
} else := ["CRITICAL", "HIGH", "MEDIUM", "LOW"] if {
	_threshold == "LOW"
} else := ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"] if {
	_threshold == "INFORMATIONAL"
} else := []

_counts := input.inspectorFindings.severityCounts if _enhanced else := _newest.findingSeverityCounts

_found := [text |
	some s in _counted
	n := _counts[s]
	is_number(n)
	n > 0
	text := concat(" ", [format_int(n, 10), s])
]

_source := "Amazon Inspector (ENHANCED scanning)" if _enhanced else := "ECR basic scanning"

_image_text := concat("", ["newest image ", digest, " (", concat(", ", _newest.imageTags), ")"]) if {
	digest := _newest.imageDigest
	is_string(digest)
	count(_newest.imageTags) > 0
} else := concat("", ["newest image ", _newest.imageDigest]) if {
	is_string(_newest.imageDigest)
} else := "newest image"

_scanned if {
	_status == "COMPLETE"
}

# The status first: the scan type is read only for an ACTIVE image.
_scanned if {
	_status == "ACTIVE"
	_enhanced
}

# Planned infrastructure (ecrscan iac, origin "iac") holds no images yet: whatever the source
# cannot tell (even an unknown registry setting), this control has nothing to judge there.
_planned := {"status": "N/A", "reason": "images and their scan findings are live state; planned infrastructure holds none yet"}

_empty := {"status": "N/A", "reason": "the repository holds no images"}

_unknown := {"status": "FAIL", "reason": "the image list is missing from the input, so the newest image cannot be shown to be scanned"}

_not_scanned := {"status": "FAIL", "reason": concat("", [_image_text, " is not scanned: scan status is ", _status])} if {
	is_string(_status)
} else := {"status": "FAIL", "reason": concat("", [_image_text, " is not scanned: it was never scanned"])}

_no_counts := {"status": "FAIL", "reason": concat("", [_image_text, " has no finding counts from ", _source])}

_findings := {"status": "FAIL", "reason": concat("", [
	_image_text, " has ", concat(", ", _found), " finding(s) at or above ", _threshold, " (", _source, ")",
])}

_clean := {"status": "PASS", "reason": concat("", [
	_image_text, " is scanned and has no findings at or above ", _threshold, " (", _source, ")",
])}

# The verdict on a newest image that is known (an object).
_judged := _not_scanned if {
	not _scanned
} else := _findings if {
	is_object(_counts)
	count(_found) > 0
} else := _clean if {
	is_object(_counts)
} else := _no_counts

verdict := _planned if {
	input.origin == "iac"
} else := outcome.error(input.errors.images) if {
	input.errors.images != null
} else := outcome.error(input.registry.errors.scanningConfiguration) if {
	input.registry.errors.scanningConfiguration != null
} else := outcome.error(input.errors.inspectorFindings) if {
	input.errors.inspectorFindings != null
	_enhanced
} else := _empty if {
	input.derived.images.imageCount == 0
} else := _judged if {
	is_object(_newest)
} else := _empty if {
	is_null(_newest)
} else := _unknown
