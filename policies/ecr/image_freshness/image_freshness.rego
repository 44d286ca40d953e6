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

# Evaluation cost matters here (rego-cpp runs one query per repository): the fixed verdicts are
# named rules because rego-cpp pays for every object literal in an else branch it passes over,
# and the common path parses each timestamp once, in the verdict's body, rather than through rules.

_newest := input.derived.images.newestImage

_now := time.parse_rfc3339_ns(input.collected_at) if is_string(input.collected_at)

_image_text := concat("", ["newest image (", concat(", ", tags), ") pushed ", _newest.imagePushedAt]) if {
	tags := _newest.imageTags
	count(tags) > 0
} else := concat("", ["newest image pushed ", _newest.imagePushedAt])

# age_ns: collected_at minus the push time. An image pushed while the collection ran is a few
# seconds "younger" than collected_at and counts as 0 days old; one pushed more than five minutes
# after it (clock skew aside) contradicts the snapshot, and its age cannot be known.
_judge(age_ns, max_days) := {"status": "ERROR", "reason": concat("", [
	_image_text, ", after the snapshot's collection time ", input.collected_at,
	": the snapshot contradicts itself, so the image's age cannot be known",
])} if {
	age_ns < -300000000000
} else := _aged(max([0, floor(age_ns / 86400000000000)]), max_days)

_aged(age_days, max_days) := {"status": "FAIL", "reason": concat("", [
	_image_text, " is ", format_int(age_days, 10), " days old, ", format_int(max_days, 10),
	" or more (image_max_age_days): it misses the base image patches released since",
])} if {
	age_days >= max_days
} else := {"status": "PASS", "reason": concat("", [
	_image_text, " is ", format_int(age_days, 10), " days old, under ", format_int(max_days, 10),
])}

# Planned infrastructure (ecrscan iac, origin "iac") holds no images yet: whatever the source
# cannot tell (even an unknown registry setting), this control has nothing to judge there.
_planned := {"status": "N/A", "reason": "images are live state; planned infrastructure holds none yet"}

_empty := {"status": "N/A", "reason": "the repository holds no images"}

# The age is judged before the null check on the newest image (one with a push time is never
# null, so no verdict changes), and both timestamps are parsed there, once. The push time's type
# is checked first, so a null newest image still reaches its N/A without collected_at being
# parsed (OPA stops the query on a timestamp it cannot parse). A day is 86400000000000 ns.
verdict := _planned if {
	input.origin == "iac"
} else := outcome.error(input.errors.images) if {
	input.errors.images != null
} else := _empty if {
	input.derived.images.imageCount == 0
} else := _judge(now - pushed, data.ecrscan.config.image_max_age_days) if {
	pushed_at := _newest.imagePushedAt
	is_string(pushed_at)
	is_string(input.collected_at)
	now := time.parse_rfc3339_ns(input.collected_at)
	pushed := time.parse_rfc3339_ns(pushed_at)
} else := _empty if {
	is_null(_newest)
} else := {"status": "FAIL", "reason": "the collection time (collected_at) is missing from the input, so the image's age cannot be shown"} if {
	not _now
} else := {"status": "FAIL", "reason": "the newest image's push time is missing from the input, so its age cannot be shown"}
