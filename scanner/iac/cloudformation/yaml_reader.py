"""CloudFormation YAML, read safely, with the short-form intrinsics and the line of every key.

`!Ref X` becomes `{"Ref": "X"}`, `!GetAtt A.B` becomes `{"Fn::GetAtt": ["A", "B"]}`, and every
other short form `!Name v` becomes `{"Fn::Name": v}`, the long form CloudFormation documents.
Only these tags are known: any other tag (a Python object tag included) is an input error, so
a template can never make the loader build anything but plain data.
"""

from typing import Any

import yaml

from scanner.errors import InputError

# The short forms CloudFormation accepts: `!Ref` and `!Condition` are not `Fn::` functions.
SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "If",
            "ImportValue",
            "Join",
            "Length",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
        )
    },
}


class Mapping(dict):
    """A YAML mapping that remembers the (1-based) line of each of its keys."""

    lines: dict[str, int]


# What aliases may add to a document: every node an alias repeats counts again, so a few
# hundred bytes of nested aliases cannot expand into millions of nodes (a "billion laughs").
ALIAS_NODE_BUDGET = 100_000
MAX_DEPTH = 100  # no template nests this deep; Python's own recursion would not survive it


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_document(self, node: yaml.Node) -> Any:
        _check_size(node)
        return super().construct_document(node)


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    loader.flatten_mapping(node)
    result = Mapping()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool | None):
            raise InputError(f"line {key_node.start_mark.line + 1}: a mapping key is not a scalar")
        line = key_node.start_mark.line + 1
        if key in result:
            first = result.lines.get(key) if isinstance(key, str) else None
            also = f" (also at line {first})" if first else ""
            loader.duplicates.append(f"line {line}: duplicate key {key!r}{also}")
        result[key] = loader.construct_object(value_node, deep=True)
        if isinstance(key, str):
            result.lines.setdefault(key, line)
    return result


def _check_size(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand past the budget, that nests deeper than
    MAX_DEPTH, or that contains itself; iterative, so the check itself cannot recurse."""
    expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (size once expanded, depth)
    ancestors: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key, children = id(node), _children(node)
        if finished:
            ancestors.discard(key)
            sizes = [expanded[id(c)] for c in children]
            size = 1 + sum(s for s, _ in sizes)
            depth = 1 + max((d for _, d in sizes), default=0)
            expanded[key] = (size, depth)
            if depth > MAX_DEPTH:
                raise InputError(f"nests deeper than {MAX_DEPTH} levels")
            if size - len(expanded) > ALIAS_NODE_BUDGET:
                raise InputError(
                    f"YAML aliases expand it past {ALIAS_NODE_BUDGET:,} repeated nodes "
                    '(nested aliases, a "billion laughs"); refused'
                )
            continue
        if key in expanded:
            continue
        if key in ancestors:
            raise InputError(f"line {node.start_mark.line + 1}: a YAML alias refers to itself")
        ancestors.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _short_form(name: str):
    def construct(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = _mapping(loader, node)
        return {SHORT_FORMS[name]: value}

    return construct


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
for _name in SHORT_FORMS:
    _Loader.add_constructor(f"!{_name}", _short_form(_name))


def load(text: str, where: str) -> Any:
    """The document; duplicate keys refused (see read for the reasons)."""
    document, duplicates = read(text, where)
    if duplicates:
        raise InputError(duplicate_message(where, duplicates))
    return document


def read(text: str, where: str) -> tuple[Any, list[str]]:
    """The document and its duplicate keys ("line 7: duplicate key 'X' (also at line 6)").

    Refused with one line: text that is not YAML, an unknown tag, aliases that expand past the
    budget or refer to themselves, nesting deeper than MAX_DEPTH, a number Python will not read.
    """
    loader = _Loader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    except yaml.constructor.ConstructorError as exc:
        raise InputError(f"{where}{_line(exc)}: {_tag_problem(exc)}") from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(f"{where}{_line(exc)}: template is not valid YAML ({problem})") from None
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    except RecursionError:
        raise InputError(f"{where}: nests too deeply to read") from None
    except ValueError as exc:  # an integer of thousands of digits, a date that does not exist
        raise InputError(f"{where}: a value cannot be read ({str(exc)[:80]})") from None
    finally:
        loader.dispose()


def duplicate_message(where: str, duplicates: list[str]) -> str:
    more = f" and {len(duplicates) - 1} more" if len(duplicates) > 1 else ""
    return (
        f"{where}: {duplicates[0]}{more}: AWS would keep one value silently, so the source is "
        "ambiguous; remove the duplicate (as cfn-lint reports it, E0000)"
    )


def _line(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f": line {mark.line + 1}" if mark else ""


def _tag_problem(exc: yaml.constructor.ConstructorError) -> str:
    problem = str(getattr(exc, "problem", "") or exc)
    if "could not determine a constructor for the tag" in problem:
        tag = problem.rsplit("tag", 1)[-1].strip(" '")
        return (
            f"unknown YAML tag {tag} (CloudFormation short forms: "
            + ", ".join(f"!{n}" for n in sorted(SHORT_FORMS))
            + ")"
        )
    return f"template cannot be read ({problem})"
