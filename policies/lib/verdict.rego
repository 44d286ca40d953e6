# Helpers every control uses to build its verdict.
package lib.verdict

# The verdict for an input that could not be collected. e is one entry of an
# input's `errors` object: {"operation", "code", "message"}.
error(e) := {"status": "ERROR", "reason": error_text(e)}

# "GetLifecyclePolicy failed with AccessDeniedException: User ... is not authorized".
error_text(e) := sprintf("%v failed with %v: %v", [
	object.get(e, "operation", "an AWS call"),
	object.get(e, "code", "an unknown error"),
	object.get(e, "message", "no message"),
]) if {
	is_object(e)
} else := sprintf("collection failed: %v", [e])

# The ERROR verdict naming every failed call in errs (an `errors` object)
# under the given keys; defined only when at least one of them failed.
errors_of(errs, keys) := {"status": "ERROR", "reason": concat("; ", sort(texts))} if {
	texts := {text |
		some k in keys
		errs[k] != null
		text := error_text(errs[k])
	}
	count(texts) > 0
}

# Sets have no order in the embedded engine: join them sorted.
#
# Build reasons with concat, never by passing a computed string to sprintf:
# rego-cpp's sprintf mangles a string that concat or lower produced.
join(sep, xs) := concat(sep, sort(xs))

# The strings of a list (or one string) in quotes, sorted, for a reason text.
quoted(xs) := join(", ", {q |
	some x in xs
	q := sprintf("\"%v\"", [x])
})
