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

_images := input.derived.images

_newest := _images.newestImage

_status := _newest.imageScanStatus.status

_enhanced if input.registry.scanningConfiguration.scanType == "ENHANCED"

# Most severe first, so counts read in that order.
_order := ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"]

_threshold := data.ecrscan.config.vulnerability_severity

_rank := {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3, "INFORMATIONAL": 4}

_counted := [s |
	some s in _order
	_rank[s] <= _rank[_threshold]
]

_counts := input.inspectorFindings.severityCounts if _enhanced else := _newest.findingSeverityCounts

_count(s) := n if {
	n := _counts[s]
	is_number(n)
} else := 0

_found := [text |
	some s in _counted
	_count(s) > 0
	text := concat(" ", [format_int(_count(s), 10), s])
]

_source := "Amazon Inspector (ENHANCED scanning)" if _enhanced else := "ECR basic scanning"

_image_text := concat("", ["newest image ", _newest.imageDigest, _tags_text]) if {
	is_string(_newest.imageDigest)
} else := "newest image"

_tags_text := concat("", [" (", concat(", ", _newest.imageTags), ")"]) if {
	count(_newest.imageTags) > 0
} else := ""

_scanned if {
	_status == "COMPLETE"
}

_scanned if {
	_enhanced
	_status == "ACTIVE"
}

_counts_known if is_object(_counts)

# Named rules rather than `not is_object(...)` inline: OPA and rego-cpp disagree on negating a
# builtin call whose argument is undefined.
_newest_known if is_object(_newest)

_empty if {
	is_object(_images)
	_images.imageCount == 0
}

_empty if {
	is_object(_images)
	_newest == null
}

_inspector_failed if {
	_enhanced
	input.errors.inspectorFindings != null
}

_status_text := concat("", ["scan status is ", _status]) if is_string(_status) else := "it was never scanned"

# Planned infrastructure (ecrscan iac, origin "iac") holds no images yet: whatever the source
# cannot tell (even an unknown registry setting), this control has nothing to judge there.
_planned if input.origin == "iac"

verdict := {"status": "N/A", "reason": "images and their scan findings are live state; planned infrastructure holds none yet"} if {
	_planned
} else := v if {
	v := outcome.errors_of(input.errors, ["images"])
} else := v if {
	v := outcome.errors_of(input.registry.errors, ["scanningConfiguration"])
} else := outcome.error(input.errors.inspectorFindings) if {
	_inspector_failed
} else := {"status": "N/A", "reason": "the repository holds no images"} if {
	_empty
} else := {"status": "FAIL", "reason": "the image list is missing from the input, so the newest image cannot be shown to be scanned"} if {
	not _newest_known
} else := {"status": "FAIL", "reason": concat("", [_image_text, " is not scanned: ", _status_text])} if {
	not _scanned
} else := {"status": "FAIL", "reason": concat("", [_image_text, " has no finding counts from ", _source])} if {
	not _counts_known
} else := {"status": "FAIL", "reason": concat("", [
	_image_text, " has ", concat(", ", _found), " finding(s) at or above ", _threshold, " (", _source, ")",
])} if {
	count(_found) > 0
} else := {"status": "PASS", "reason": concat("", [
	_image_text, " is scanned and has no findings at or above ", _threshold, " (", _source, ")",
])}
