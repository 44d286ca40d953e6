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


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    loader.flatten_mapping(node)
    result = Mapping()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        if isinstance(key, str):
            result.lines[key] = key_node.start_mark.line + 1
    return result


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
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.constructor.ConstructorError as exc:
        raise InputError(f"{where}{_line(exc)}: {_tag_problem(exc)}") from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(f"{where}{_line(exc)}: template is not valid YAML ({problem})") from None


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
