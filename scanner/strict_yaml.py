"""YAML that users hand us (configuration, waivers), read so that no file can mislead or stall us.

PyYAML's SafeLoader builds only plain data, but it still takes the last of two equal keys (so
`repository: legacy/*` followed by `repository: '*'` silently waives everything), expands
aliases by reference (a few hundred bytes of nested aliases become billions of nodes the moment
anything walks them), and recurses once per nesting level. StrictLoader refuses all three, as
cfn-lint does for templates, and every refusal is one InputError line naming the place.
"""

from typing import Any

import yaml

from scanner.errors import InputError

MAX_DEPTH = 64  # nesting levels; real configuration and waiver files use three or four
MAX_NODES = 100_000  # nodes once every alias is expanded where it is used


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, deep nesting and alias bombs."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        refuse_alias_bombs(node)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        refuse_duplicate_keys(node)
        return super().construct_mapping(node, deep=deep)


def refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    """Two equal keys in one mapping: refused, never last-one-wins. Merge keys (`<<`) are not
    duplicates: keys written beside them override the merged ones, as YAML specifies."""
    seen: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = (key_node.tag, key_node.value)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key_node.value!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = line


def refuse_alias_bombs(root: yaml.Node | None) -> None:
    """Count the nodes the document has once aliases are expanded, without expanding them:
    each node's size is computed once and reused wherever an alias points at it."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            in_progress.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"aliases expand to more than {MAX_NODES:,} nodes",
                    node.start_mark,
                )
            continue
        if id(node) in in_progress:
            raise yaml.composer.ComposerError(
                None, None, "an alias refers to the node that contains it", node.start_mark
            )
        in_progress.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load(text: str, what: str, source: str, loader: type[StrictLoader] = StrictLoader) -> Any:
    """The document, or one InputError line: `SOURCE: WHAT is not valid YAML (line N: why)`."""
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: {what} is not valid YAML ({describe(exc)})") from None
    except ValueError as exc:  # an integer longer than Python converts (sys.int_info)
        raise InputError(f"{source}: {what} holds a value that cannot be read ({exc})") from None


def describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "malformed"
    return f"line {mark.line + 1}: {problem}" if mark else str(problem)
