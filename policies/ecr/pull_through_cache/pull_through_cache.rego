# METADATA
# title: Pull-through cache repositories are created with lifecycle and immutability
# description: >-
#   A pull-through cache creates a repository for every upstream image anyone
#   pulls, and without a repository creation template each is born with
#   mutable tags and no lifecycle policy, growing for ever. The registry (one
#   per account and region) passes when every pull-through cache rule's
#   prefix is covered by a creation template applied for PULL_THROUGH_CACHE
#   (the most specific prefix wins, ROOT covers all) whose lifecycle policy
#   has rules and whose tags are IMMUTABLE. The repositories a cache has
#   created are ordinary repositories and are judged by every repository
#   control like the rest. A registry without cache rules is N/A.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html
# custom:
#   id: ecr-pull-through-cache
#   severity: MEDIUM
#   resource_type: registry
#   frameworks:
#     nist-800-53-r5: [CM-2, SI-12]
#   remediation:
#     cli: >-
#       aws ecr create-repository-creation-template --prefix PREFIX --applied-for PULL_THROUGH_CACHE
#       --image-tag-mutability IMMUTABLE --lifecycle-policy
#       '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}'
#     terraform: |-
#       resource "aws_ecr_repository_creation_template" "cache" {
#         prefix               = "docker-hub"
#         applied_for          = ["PULL_THROUGH_CACHE"]
#         image_tag_mutability = "IMMUTABLE"
#         lifecycle_policy = jsonencode({ rules = [{
#           rulePriority = 1
#           selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
#           action       = { type = "expire" }
#         }] })
#       }
package ecr.pull_through_cache

import data.lib.verdict as outcome

_rules := input.registry.pullThroughCacheRules

_templates := input.registry.repositoryCreationTemplates

_lifecycles := input.derived.templateLifecyclePolicies

_prefixes := {r.ecrRepositoryPrefix | some r in _rules; is_string(r.ecrRepositoryPrefix)}

# A template applies to a cache prefix when it is for PULL_THROUGH_CACHE and its prefix is ROOT,
# the cache prefix itself, or a namespace that contains it.
_applies(t, prefix) if {
	"PULL_THROUGH_CACHE" in t.appliedFor
	_prefix_covers(t.prefix, prefix)
}

_prefix_covers("ROOT", _)

_prefix_covers(p, prefix) if p == prefix

_prefix_covers(p, prefix) if {
	is_string(p)
	startswith(prefix, concat("", [p, "/"]))
}

_specificity(t) := 0 if t.prefix == "ROOT" else := count(t.prefix)

_template(prefix) := t if {
	lengths := {_specificity(c) | some c in _templates; _applies(c, prefix)}
	some t in _templates
	_applies(t, prefix)
	_specificity(t) == max(lengths)
}

_has_lifecycle(t) if {
	rules := _lifecycles[t.prefix].document.rules
	is_array(rules)
	count(rules) > 0
}

_immutable(t) if t.imageTagMutability in {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}

_gaps contains gap if {
	some prefix in _prefixes
	not _template(prefix)
	gap := concat("", ["prefix ", prefix, ": no repository creation template applies to PULL_THROUGH_CACHE"])
}

_gaps contains gap if {
	some prefix in _prefixes
	t := _template(prefix)
	not _has_lifecycle(t)
	gap := concat("", ["prefix ", prefix, ": template ", t.prefix, " applies no lifecycle policy with rules"])
}

_gaps contains gap if {
	some prefix in _prefixes
	t := _template(prefix)
	not _immutable(t)
	gap := concat("", ["prefix ", prefix, ": template ", t.prefix, " leaves tags mutable"])
}

_rules_known if is_array(_rules)

_templates_known if is_array(_templates)

# Planned infrastructure (ecrscan iac, origin "iac") manages only the registry settings its
# sources declare (input.registry.declared); one it leaves out is managed elsewhere, if at all.
_declared if {
	some setting in input.registry.declared
	setting == "pullThroughCacheRules"
}

_unmanaged if {
	input.origin == "iac"
	not _declared
}

_unmanaged_verdict := {"status": "N/A", "reason": "the pull-through cache rules are not managed by this source (no aws_ecr_pull_through_cache_rule or AWS::ECR::PullThroughCacheRule)"}

verdict := v if {
	v := outcome.errors_of(input.errors, ["pullThroughCacheRules", "repositoryCreationTemplates"])
} else := _unmanaged_verdict if {
	_unmanaged
} else := {"status": "FAIL", "reason": "the pull-through cache rules are missing from the input"} if {
	not _rules_known
} else := {"status": "N/A", "reason": "the registry has no pull-through cache rules"} if {
	count(_rules) == 0
} else := {"status": "FAIL", "reason": "the repository creation templates are missing from the input"} if {
	not _templates_known
} else := {"status": "FAIL", "reason": outcome.join("; ", _gaps)} if {
	count(_gaps) > 0
} else := {"status": "PASS", "reason": concat("", [
	"every pull-through cache prefix (", outcome.join(", ", _prefixes),
	") gets a lifecycle policy and immutable tags from its creation template",
])}
