"""The results document itself: what `report` and CI tooling read back."""

import json
from collections.abc import Iterator
from dataclasses import asdict

from scanner.evaluate.results import Results


def render(results: Results) -> str:
    return "".join(chunks(results))


def chunks(results: Results) -> Iterator[str]:
    """The document in pieces, one result each: the same text as json.dumps(indent=2) of
    the whole, without its cost (that builds every result as a dict, then tens of millions of
    tiny strings at once: gigabytes for 100,000 repositories)."""
    yield '{\n  "metadata": ' + _dumps(results.metadata, "  ")
    if not results.results:
        yield ',\n  "results": []\n}\n'
        return
    separator = ',\n  "results": [\n    '
    for result in results.results:
        yield separator + _dumps(asdict(result), "    ")
        separator = ",\n    "
    yield "\n  ]\n}\n"


def _dumps(value, indent: str) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
