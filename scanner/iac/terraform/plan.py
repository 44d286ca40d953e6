"""Reading a Terraform plan (`terraform show -json plan.out`): instances, values, references.

A plan says what each resource will look like after apply (`resource_changes[].change.after`,
with `after_unknown` marking what only apply can tell) and how the configuration wires resources
together (`configuration`, whose expressions list the references each argument makes). Ids of
planned resources are unknown until apply, so links between resources are followed through those
references; this module answers "what is this value" and "what does this argument point at".
"""

import re
from dataclasses import dataclass
from typing import Any

from scanner.errors import InputError
from scanner.iac.records import Unknown

# Actions whose `after` describes something that will exist once the plan is applied.
_SKIPPED_ACTIONS = ({"delete"}, {"forget"}, {"read"})
_RESOURCE_REF = re.compile(
    r"^(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)(\[[^\]]*\])?(?:\.(.+))?$"
)
_VAR_REF = re.compile(r"^var\.([A-Za-z_][\w-]*)")
_MODULE_REF = re.compile(r"^module\.([A-Za-z_][\w-]*)(\[[^\]]*\])?(?:\.([A-Za-z_][\w-]*))?")
_INDEX = re.compile(r"\[([^\]]*)\]")
# Terraform raises the major version only for changes older readers cannot follow.
_FORMAT_1 = re.compile(r"^1\.\d{1,4}$")


@dataclass
class Instance:
    """One resource instance the plan will leave in place."""

    address: str  # module.net.aws_subnet.private[0]
    type: str
    path: tuple[str, ...]  # module call names, without instance keys: ("net",)
    base: str  # aws_subnet.private (relative to its module)
    index: Any  # 0, "a", or None
    after: dict[str, Any]
    unknown: Any  # after_unknown: True where a value is known only after apply
    created: bool  # planned for creation: AWS-set attributes take their post-create value
    config: dict[str, Any]  # the configuration block of this resource

    def value(self, *path: Any) -> Any:
        """The planned value at path, or Unknown when apply alone will tell it."""
        node, marks = self.after, self.unknown
        for step in path:
            if marks is True:
                break
            marks = _step(marks, step)
            node = _step(node, step)
        if marks is True or _has_unknown(marks):
            attribute = ".".join(str(p) for p in path)
            return Unknown(f"{self.address}.{attribute} is known only after apply")
        return node

    def expression(self, name: str) -> Any:
        return _mapping(_mapping(self.config).get("expressions")).get(name)


@dataclass(frozen=True)
class Target:
    """What a reference points at: an instance of the plan, or a value known at plan time."""

    instance: Instance | None
    attribute: str | None
    value: Any = None


def _step(node: Any, step: Any) -> Any:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node):
        return node[step]
    return None


def _has_unknown(marks: Any) -> bool:
    if marks is True:
        return True
    if isinstance(marks, dict):
        return any(_has_unknown(m) for m in marks.values())
    if isinstance(marks, list):
        return any(_has_unknown(m) for m in marks)
    return False


def check_plan(document: Any, where: str) -> None:
    """A plan has a format_version and resource_changes or planned_values; else say so."""
    if not isinstance(document, dict) or "format_version" not in document:
        raise InputError(
            f"{where}: not a Terraform plan (no format_version; expected the output "
            "of `terraform show -json plan.out`)"
        )
    version = document["format_version"]
    if not isinstance(version, str) or not _FORMAT_1.match(version):
        raise InputError(
            f"{where}: Terraform plan format_version {str(version)[:20]!r} is not supported "
            "(ecrscan reads format 1.x, which Terraform 0.12 and later write)"
        )
    if "resource_changes" not in document and "planned_values" not in document:
        raise InputError(
            f"{where}: not a Terraform plan (no resource_changes or planned_values; "
            "a state file or `terraform show -json` without a plan?)"
        )
    if not isinstance(document.get("resource_changes", []), list):
        raise InputError(f"{where}: not a Terraform plan (resource_changes is not a list)")


class Plan:
    def __init__(self, document: dict[str, Any], where: str):
        check_plan(document, where)
        configuration = _mapping(document.get("configuration"))
        self.where = where
        self.variables = {
            k: _mapping(v).get("value") for k, v in _mapping(document.get("variables")).items()
        }
        self.providers = _mapping(configuration.get("provider_config"))
        self.root = _mapping(configuration.get("root_module"))
        self.data = _prior_data(document)
        self.instances = [
            i for i in map(self._instance, document.get("resource_changes") or []) if i
        ]
        _check_addresses(self.instances, where)
        self._by_base: dict[tuple[tuple[str, ...], str], list[Instance]] = {}
        for instance in self.instances:
            self._by_base.setdefault((instance.path, instance.base), []).append(instance)

    # -- instances -------------------------------------------------------------------------

    def _instance(self, change: Any) -> Instance | None:
        if not isinstance(change, dict) or change.get("mode", "managed") != "managed":
            return None
        actions = _mapping(change.get("change")).get("actions") or []
        actions = {a for a in actions if isinstance(a, str)} if isinstance(actions, list) else ()
        if not actions or actions in _SKIPPED_ACTIONS:
            return None
        body = change["change"]
        address = str(change.get("address", ""))
        module = str(change.get("module_address") or "")
        path = tuple(_INDEX.sub("", part) for part in module.split(".")[1::2]) if module else ()
        base = f"{change.get('type')}.{change.get('name')}"
        return Instance(
            address=address,
            type=str(change.get("type")),
            path=path,
            base=base,
            index=change.get("index"),
            after=body.get("after") if isinstance(body.get("after"), dict) else {},
            unknown=body.get("after_unknown") or {},
            created="create" in actions,
            config=self._config_resource(path, base),
        )

    def of_type(self, *types: str) -> list[Instance]:
        return [i for i in self.instances if i.type in types]

    def _module(self, path: tuple[str, ...]) -> dict[str, Any]:
        module = self.root
        for name in path:
            call = _mapping(_mapping(_mapping(module).get("module_calls")).get(name))
            module = _mapping(call.get("module"))
        return module

    def _config_resource(self, path: tuple[str, ...], base: str) -> dict[str, Any]:
        for resource in _list(_mapping(self._module(path)).get("resources")):
            if not isinstance(resource, dict):
                continue
            if resource.get("mode", "managed") == "managed" and resource.get("address") == base:
                return resource
        return {}

    # -- providers ---------------------------------------------------------------------------

    def provider_key(self, instance: Instance) -> str:
        keys = instance.config.get("provider_config_keys") or [
            instance.config.get("provider_config_key") or "aws"
        ]
        return self._known_provider_key(str(keys[0]))

    def _known_provider_key(self, key: str) -> str:
        """The provider_config entry a key names; inherited configurations resolve upwards."""
        while key not in self.providers and ":" in key:
            module, _, name = key.rpartition(":")
            parent = module.rpartition(".module.")[0] if ".module." in module else ""
            key = f"{parent}:{name}" if parent else name
        return key

    def provider_setting(self, key: str, name: str) -> Any:
        config = _mapping(_mapping(self.providers).get(key))
        expression = _mapping(config.get("expressions")).get(name)
        return self.evaluate(_provider_path(config), expression)

    # -- expressions and references ----------------------------------------------------------

    def evaluate(self, path: tuple[str, ...], expression: Any) -> Any:
        """A configuration expression's value where the plan tells it (constants, variables,
        data sources read at plan time); None otherwise."""
        if not isinstance(expression, dict):
            return None
        if "constant_value" in expression:
            return expression["constant_value"]
        for ref in [r for r in _list(expression.get("references")) if isinstance(r, str)]:
            value = self._reference_value(path, ref)
            if value is not None:
                return value
        return None

    def _reference_value(self, path: tuple[str, ...], ref: str) -> Any:
        var = _VAR_REF.match(ref)
        if var:
            if not path:
                return self.variables.get(var.group(1))
            call = (self._module(path[:-1]).get("module_calls") or {}).get(path[-1]) or {}
            return self.evaluate(path[:-1], (call.get("expressions") or {}).get(var.group(1)))
        match = _RESOURCE_REF.match(ref)
        if match and match.group(1):
            values = self.data.get((path, f"{match.group(2)}.{match.group(3)}"))
            attribute = (match.group(5) or "").split(".")[0]
            if isinstance(values, dict) and attribute:
                return values.get(attribute)
        return None

    def targets(self, instance: Instance, name: str) -> list[Target]:
        """What the argument `name` of instance references, following variables and outputs."""
        return self.targets_of(instance, instance.expression(name))

    def targets_of(self, instance: Instance, expression: Any) -> list[Target]:
        found: dict[tuple, Target] = {}
        for target in self._resolve(instance.path, expression, instance.index):
            key = (id(target.instance), target.attribute, repr(target.value))
            found.setdefault(key, target)
        return list(found.values())

    def _resolve(self, path: tuple[str, ...], expression: Any, index: Any, depth: int = 0):
        if not isinstance(expression, dict) or depth > 16:
            return
        refs = [r for r in _list(expression.get("references")) if isinstance(r, str)]
        # Terraform lists `a.b.id` then `a.b`: keep the most specific reference per resource.
        seen: set[str] = set()
        for ref in refs:
            yield from self._resolve_one(path, ref, index, depth, seen)

    def _resolve_one(self, path, ref: str, index: Any, depth: int, seen: set[str]):
        var, module, resource = (
            _VAR_REF.match(ref),
            _MODULE_REF.match(ref),
            _RESOURCE_REF.match(ref),
        )
        if var and path:
            call = (self._module(path[:-1]).get("module_calls") or {}).get(path[-1]) or {}
            expression = (call.get("expressions") or {}).get(var.group(1))
            yield from self._resolve(path[:-1], expression, index, depth + 1)
        elif module and module.group(3) and ref.split(".")[1] not in seen:
            seen.add(ref.split(".")[1])
            child = (*path, module.group(1))
            output = (self._module(child).get("outputs") or {}).get(module.group(3)) or {}
            yield from self._resolve(child, output.get("expression"), index, depth + 1)
        elif resource and not resource.group(1):
            yield from self._resource_targets(path, resource, index, seen)

    def _resource_targets(self, path, match: re.Match, index: Any, seen: set[str]):
        base = f"{match.group(2)}.{match.group(3)}"
        if base in seen:
            return
        seen.add(base)
        attribute = (match.group(5) or "").split(".")[0] or None
        candidates = self._by_base.get((path, base), [])
        wanted = _parse_index(match.group(4)) if match.group(4) else None
        if wanted is not None:
            candidates = [c for c in candidates if c.index == wanted] or candidates
        elif len(candidates) > 1 and index is not None:
            candidates = [c for c in candidates if c.index == index] or candidates
        for candidate in candidates:
            yield Target(candidate, attribute)


def _check_addresses(instances: list[Instance], where: str) -> None:
    """An address is a resource's identity (in results, baselines, suppressions): Terraform
    writes each once, so a plan without one, or with one twice, was written by something else."""
    seen: set[str] = set()
    for instance in instances:
        if not instance.address or instance.address in seen:
            problem = "twice" if instance.address else "without an address"
            raise InputError(
                f"{where}: resource_changes lists {instance.address or 'a resource'} {problem}; "
                "not a plan Terraform wrote"
            )
        seen.add(instance.address)


def _parse_index(text: str) -> Any:
    inner = text[1:-1].strip()
    if inner.isdigit():
        return int(inner)
    if len(inner) >= 2 and inner[0] == inner[-1] == '"':
        return inner[1:-1]
    return None


def _provider_path(config: dict[str, Any]) -> tuple[str, ...]:
    module = str(config.get("module_address") or "")
    return tuple(_INDEX.sub("", p) for p in module.split(".")[1::2]) if module else ()


def _prior_data(document: dict[str, Any]) -> dict[tuple[tuple[str, ...], str], dict[str, Any]]:
    """Data sources read at plan time, by (module path, type.name): their values."""
    values = _mapping(_mapping(document.get("prior_state")).get("values"))
    root = _mapping(values.get("root_module"))
    found: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
    stack = [root]
    while stack:
        module = stack.pop()
        if not isinstance(module, dict):
            continue
        stack.extend(_list(module.get("child_modules")))
        for resource in _list(module.get("resources")):
            if not isinstance(resource, dict) or resource.get("mode") != "data":
                continue
            address = str(resource.get("module_address") or module.get("address") or "")
            path = tuple(_INDEX.sub("", p) for p in address.split(".")[1::2]) if address else ()
            key = (path, f"{resource.get('type')}.{resource.get('name')}")
            found.setdefault(key, resource.get("values") or {})
    return found


def _mapping(value: Any) -> dict[str, Any]:
    """A damaged plan's object that is not one reads as empty (the plan's shape is checked
    where it matters; elsewhere a missing part is simply not there)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
