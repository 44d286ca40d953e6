# METADATA
# title: Repositories are replicated to another region or account
# description: >-
#   A registry in one region is a single point of failure for every
#   deployment that pulls from it. Repositories selected by
#   replicated_repositories (name patterns or resource tags; default every
#   repository) must be covered by a registry replication rule with a
#   destination in another region or another account. A rule without
#   repository filters covers every repository; PREFIX_MATCH filters cover the
#   names that start with them.
# related_resources:
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html
#   - https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-settings-examples.html
# custom:
#   id: ecr-replication
#   severity: MEDIUM
#   resource_type: repository
#   frameworks:
#     nist-800-53-r5: [CP-9, CP-10]
#   remediation:
#     cli: >-
#       aws ecr put-replication-configuration --replication-configuration
#       '{"rules":[{"destinations":[{"region":"OTHER_REGION","registryId":"ACCOUNT"}],
#       "repositoryFilters":[{"filter":"PREFIX","filterType":"PREFIX_MATCH"}]}]}'
#     terraform: |-
#       resource "aws_ecr_replication_configuration" "dr" {
#         replication_configuration {
#           rule {
#             destination {
#               region      = "eu-central-1"
#               registry_id = data.aws_caller_identity.current.account_id
#             }
#             repository_filter {
#               filter      = "payments/"
#               filter_type = "PREFIX_MATCH"
#             }
#           }
#         }
#       }
package ecr.replication

import data.lib.selector
import data.lib.verdict as outcome

# Evaluation cost matters here (rego-cpp runs one query per repository): verdicts are named rules
# rather than object literals in the else chain, since rego-cpp pays for every literal in a branch
# it passes over.

_name := input.repository.repositoryName

_selector := data.ecrscan.config.replicated_repositories

_configuration := input.registry.replicationConfiguration

_rules := _configuration.rules if is_array(_configuration.rules) else := []

# lib.selector's selects (and lib.wildcard's matches: glob.match with null delimiters), inlined:
# one rule instead of two function calls on every query, and an else so the tags are not searched
# when a name pattern already matched. Like a call of selects, it is undefined when input.tags is
# (an assignment, not `_ = input.tags`, which rego-cpp does not evaluate first).
_selected := true if {
	tags := input.tags
	is_string(_name)
	some pattern in _selector.name_patterns
	is_string(pattern)
	glob.match(pattern, null, _name)
} else := true if {
	some tag in input.tags
	some wanted in _selector.tags
	tag.Key == wanted.key
	tag.Value == wanted.value
}

# Boolean helpers written as else chains: rego-cpp then stops at the first body that holds.
_elsewhere(d) := true if {
	d.region != input.region
} else := true if {
	d.registryId != input.account_id
}

_filters(rule) := rule.repositoryFilters if is_array(rule.repositoryFilters) else := []

_applies(filters) := true if {
	count(filters) == 0
} else := true if {
	some f in filters
	f.filterType == "PREFIX_MATCH"
	is_string(f.filter)
	is_string(_name)
	startswith(_name, f.filter)
}

_destinations := {text |
	some rule in _rules
	_applies(_filters(rule))
	some d in rule.destinations
	_elsewhere(d)
	text := concat(" in account ", [d.region, d.registryId])
}

_prefixes := {f.filter | some rule in _rules; some f in _filters(rule); is_string(f.filter)}

_hint := concat("", [" (the replication rules cover prefixes ", outcome.quoted(_prefixes), ")"]) if {
	count(_prefixes) > 0
} else := concat("", [" (", format_int(count(_rules), 10), " replication rule(s))"])

# Planned infrastructure (ecrscan iac, origin "iac") manages only the registry settings its
# sources declare (input.registry.declared); one it leaves out is managed elsewhere, if at all.
_declared if {
	some setting in input.registry.declared
	setting == "replicationConfiguration"
}

_unmanaged := {"status": "N/A", "reason": "the registry replication configuration is not managed by this source (no aws_ecr_replication_configuration or AWS::ECR::ReplicationConfiguration)"}

_not_selected := {"status": "N/A", "reason": concat("", [_name, " is not selected by replicated_repositories (", selector.describe(_selector), ")"])}

_missing := {"status": "FAIL", "reason": "the registry replication configuration is missing from the input"}

_replicated := {"status": "PASS", "reason": concat("", ["replicated to ", concat(", ", sort(_destinations))])}

_not_replicated(hint) := {"status": "FAIL", "reason": concat("", [
	"no registry replication rule copies ", _name, " to another region or account", hint,
])}

# A named rule rather than `not is_object(...)` inline: OPA and rego-cpp disagree on negating a
# builtin call whose argument is undefined.
_configuration_known if is_object(_configuration)

# With no rule at all (the common case) the reason is known without building the sets of
# destinations and prefixes.
verdict := outcome.error(input.registry.errors.replicationConfiguration) if {
	input.registry.errors.replicationConfiguration != null
} else := _unmanaged if {
	input.origin == "iac"
	not _declared
} else := outcome.error(input.errors.tags) if {
	input.errors.tags != null
	selector.needs_tags(_selector, _name)
} else := _not_selected if {
	not _selected
} else := _missing if {
	not _configuration_known
} else := _not_replicated(" (0 replication rule(s))") if {
	_configuration.rules == []
} else := _replicated if {
	count(_destinations) > 0
} else := _not_replicated(_hint)
