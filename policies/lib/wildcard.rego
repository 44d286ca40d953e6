# Wildcard matching the way AWS means it.
package lib.wildcard

# True when s matches pattern, where `*` stands for any run of characters and
# `?` for one. The delimiters are null on purpose: with `[]` both OPA and
# rego-cpp fall back to "." as a delimiter, so `team/*` would not match
# `team/api.v2`.
matches(pattern, s) if glob.match(pattern, null, s)

# The same, ignoring case (IAM action names are case-insensitive).
matches_fold(pattern, s) if glob.match(lower(pattern), null, lower(s))

# True when s contains a wildcard character.
has_wildcard(s) if regex.match(`[*?]`, s)
