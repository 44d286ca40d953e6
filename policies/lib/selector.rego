# Which repositories a configured selector picks: by name pattern or by resource tag.
#
# A selector is {"name_patterns": [...], "tags": [{"key", "value"}]} (scanner.config_parameters
# turns the configuration's tags mapping into pairs). A repository is selected when any pattern
# matches its name or it carries any listed tag.
package lib.selector

import data.lib.wildcard

selects(sel, name, _) if {
	is_string(name)
	some pattern in sel.name_patterns
	is_string(pattern)
	wildcard.matches(pattern, name)
}

selects(sel, _, tags) if {
	some wanted in sel.tags
	some tag in tags
	tag.Key == wanted.key
	tag.Value == wanted.value
}

# True when the answer depends on the resource tags: no name pattern matched and the selector
# lists tags. Then tags that could not be collected make the selection unknown.
needs_tags(sel, name) if {
	count(sel.tags) > 0
	not _name_selected(sel, name)
}

_name_selected(sel, name) if selects(sel, name, [])

# "name patterns "prod/*"; tags environment=production", for a reason.
describe(sel) := concat("; ", [x | some x in [_patterns_text(sel), _tags_text(sel)]; x != ""])

_patterns_text(sel) := concat("", ["name patterns ", concat(", ", sel.name_patterns)]) if {
	count(sel.name_patterns) > 0
} else := ""

_tags_text(sel) := concat("", ["tags ", concat(", ", [text |
	some t in sel.tags
	text := concat("=", [t.key, t.value])
])]) if {
	count(sel.tags) > 0
} else := ""
