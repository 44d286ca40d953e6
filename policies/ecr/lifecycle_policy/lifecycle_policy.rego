# METADATA
# title: Repositories have a lifecycle policy
# description: >-
#   Without a lifecycle policy every pushed image is kept for ever: storage
#   grows, and old images with known vulnerabilities stay pullable. The
#   repository passes when its lifecycle policy parses and has at least one rule.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
#   - https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-3
# custom:
#   id: ecr-lifecycle-policy
#   severity: MEDIUM
#   resource_type: repository
#   frameworks:
#     aws-fsbp: [ECR.3]
#   remediation:
#     cli: >-
#       aws ecr put-lifecycle-policy --repository-name NAME --lifecycle-policy-text
#       '{"rules":[{"rulePriority":1,"description":"Expire untagged images after 14 days",
#       "selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},
#       "action":{"type":"expire"}}]}'
#     terraform: |-
#       resource "aws_ecr_lifecycle_policy" "app" {
#         repository = aws_ecr_repository.app.name
#         policy = jsonencode({
#           rules = [{
#             rulePriority = 1
#             description  = "Expire untagged images after 14 days"
#             selection = {
#               tagStatus   = "untagged"
#               countType   = "sinceImagePushed"
#               countUnit   = "days"
#               countNumber = 14
#             }
#             action = { type = "expire" }
#           }]
#         })
#       }
package ecr.lifecycle_policy

import data.lib.verdict as outcome

_policy := input.derived.lifecyclePolicy

_rules := _policy.document.rules

# Builtins only ever see the type they expect: OPA stops the whole query on
# a type error (object.keys of an array), where rego-cpp would be undefined.
_has_parse_error if {
	is_object(_policy)
	"parseError" in object.keys(_policy)
}

_has_document if {
	is_object(_policy)
	"document" in object.keys(_policy)
}

_has_rules_key if {
	is_object(_policy.document)
	"rules" in object.keys(_policy.document)
}

# Each branch names one state of the input; the last catches a document the
# collector did not fill in at all, so missing data fails.
verdict := outcome.error(input.errors.lifecyclePolicy) if {
	input.errors.lifecyclePolicy != null
} else := {"status": "FAIL", "reason": "no lifecycle policy: images are kept for ever"} if {
	_policy == null
} else := {"status": "FAIL", "reason": sprintf("lifecycle policy text is not valid JSON: %v", [_policy.parseError])} if {
	_has_parse_error
} else := {"status": "PASS", "reason": sprintf("lifecycle policy has %d rule(s)", [count(_rules)])} if {
	is_array(_rules)
	count(_rules) > 0
} else := {"status": "FAIL", "reason": "lifecycle policy has an empty rules list, so it expires nothing"} if {
	is_array(_rules)
} else := {"status": "FAIL", "reason": "lifecycle policy rules is not an array, so it expires nothing"} if {
	_has_rules_key
} else := {"status": "FAIL", "reason": "lifecycle policy has no rules, so it expires nothing"} if {
	is_object(_policy.document)
} else := {"status": "FAIL", "reason": "lifecycle policy document is not a JSON object"} if {
	_has_document
} else := {"status": "FAIL", "reason": "lifecycle policy is missing from the input, so it cannot be shown to exist"}
