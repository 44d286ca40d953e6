"""The results document itself: what `report` and CI tooling read back."""

import json

from scanner.evaluate.results import Results


def render(results: Results) -> str:
    return json.dumps(results.to_document(), indent=2, ensure_ascii=False) + "\n"
