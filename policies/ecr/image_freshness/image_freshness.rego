# METADATA
# title: The newest image was built recently
# description: >-
#   An image that is never rebuilt never picks up its base image's security
#   patches, however well it was scanned when it was pushed. The newest image
#   of each repository must have been pushed fewer than image_max_age_days
#   (default 90) before the snapshot was collected: "now" is the snapshot's
#   collected_at, so re-evaluating archived evidence gives the same verdict.
#   An empty repository is N/A.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
#   - https://docs.aws.amazon.com/prescriptive-guidance/latest/patterns/automate-the-rebuild-of-container-images.html
# custom:
#   id: ecr-image-freshness
#   severity: MEDIUM
#   resource_type: repository
#   frameworks:
#     nist-800-53-r5: [SI-2, CM-2]
#   remediation:
#     cli: >-
#       Rebuild the image on the current base image and push it (docker build --pull ...;
#       docker push ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG), on a schedule in CI.
#     terraform: |-
#       # Rebuild on a schedule, for example a CodeBuild project triggered weekly:
#       resource "aws_cloudwatch_event_rule" "rebuild" {
#         name                = "weekly-image-rebuild"
#         schedule_expression = "rate(7 days)"
#       }
package ecr.image_freshness

import data.lib.verdict as outcome

_images := input.derived.images

_newest := _images.newestImage

_max_days := data.ecrscan.config.image_max_age_days

_ns_per_day := 86400000000000

_now := time.parse_rfc3339_ns(input.collected_at) if is_string(input.collected_at)

_pushed := time.parse_rfc3339_ns(_newest.imagePushedAt) if is_string(_newest.imagePushedAt)

_age_days := floor((_now - _pushed) / _ns_per_day)

_empty if {
	is_object(_images)
	_images.imageCount == 0
}

_empty if {
	is_object(_images)
	_newest == null
}

_image_text := concat("", ["newest image", _tags_text, " pushed ", _newest.imagePushedAt])

_tags_text := concat("", [" (", concat(", ", _newest.imageTags), ")"]) if {
	count(_newest.imageTags) > 0
} else := ""

# Planned infrastructure (ecrscan iac, origin "iac") holds no images yet: whatever the source
# cannot tell (even an unknown registry setting), this control has nothing to judge there.
_planned if input.origin == "iac"

verdict := {"status": "N/A", "reason": "images are live state; planned infrastructure holds none yet"} if {
	_planned
} else := v if {
	v := outcome.errors_of(input.errors, ["images"])
} else := {"status": "N/A", "reason": "the repository holds no images"} if {
	_empty
} else := {"status": "FAIL", "reason": "the collection time (collected_at) is missing from the input, so the image's age cannot be shown"} if {
	not _now
} else := {"status": "FAIL", "reason": "the newest image's push time is missing from the input, so its age cannot be shown"} if {
	not _pushed
} else := {"status": "FAIL", "reason": concat("", [
	_image_text, " is ", format_int(_age_days, 10), " days old, ", format_int(_max_days, 10),
	" or more (image_max_age_days): it misses the base image patches released since",
])} if {
	_age_days >= _max_days
} else := {"status": "PASS", "reason": concat("", [
	_image_text, " is ", format_int(_age_days, 10), " days old, under ", format_int(_max_days, 10),
])}
