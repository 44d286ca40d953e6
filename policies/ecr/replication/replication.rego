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

_name := input.repository.repositoryName

_selector := data.ecrscan.config.replicated_repositories

_configuration := input.registry.replicationConfiguration

_rules := _configuration.rules if is_array(_configuration.rules) else := []

_selected if selector.selects(_selector, _name, input.tags)

_elsewhere(d) if d.region != input.region

_elsewhere(d) if d.registryId != input.account_id

_filters(rule) := rule.repositoryFilters if is_array(rule.repositoryFilters) else := []

_applies(rule) if count(_filters(rule)) == 0

_applies(rule) if {
	some f in _filters(rule)
	f.filterType == "PREFIX_MATCH"
	is_string(f.filter)
	is_string(_name)
	startswith(_name, f.filter)
}

_destinations := {text |
	some rule in _rules
	_applies(rule)
	some d in rule.destinations
	_elsewhere(d)
	text := concat(" in account ", [d.region, d.registryId])
}

_prefixes := {f.filter | some rule in _rules; some f in _filters(rule); is_string(f.filter)}

_hint := concat("", [" (the replication rules cover prefixes ", outcome.quoted(_prefixes), ")"]) if {
	count(_prefixes) > 0
} else := concat("", [" (", format_int(count(_rules), 10), " replication rule(s))"])

_tags_unreadable if {
	selector.needs_tags(_selector, _name)
	input.errors.tags != null
}

_configuration_known if is_object(_configuration)

# Planned infrastructure (ecrscan iac, origin "iac") manages only the registry settings its
# sources declare (input.registry.declared); one it leaves out is managed elsewhere, if at all.
_declared if {
	some setting in input.registry.declared
	setting == "replicationConfiguration"
}

_unmanaged if {
	input.origin == "iac"
	not _declared
}

_unmanaged_verdict := {"status": "N/A", "reason": "the registry replication configuration is not managed by this source (no aws_ecr_replication_configuration or AWS::ECR::ReplicationConfiguration)"}

verdict := v if {
	v := outcome.errors_of(input.registry.errors, ["replicationConfiguration"])
} else := _unmanaged_verdict if {
	_unmanaged
} else := outcome.error(input.errors.tags) if {
	_tags_unreadable
} else := {"status": "N/A", "reason": concat("", [_name, " is not selected by replicated_repositories (", selector.describe(_selector), ")"])} if {
	not _selected
} else := {"status": "FAIL", "reason": "the registry replication configuration is missing from the input"} if {
	not _configuration_known
} else := {"status": "PASS", "reason": concat("", ["replicated to ", outcome.join(", ", _destinations)])} if {
	count(_destinations) > 0
} else := {"status": "FAIL", "reason": concat("", [
	"no registry replication rule copies ", _name, " to another region or account", _hint,
])}
