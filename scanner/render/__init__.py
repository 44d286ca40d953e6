"""Outputs, one small module each, all with the signature `render(results) -> str`."""

from collections.abc import Callable

from scanner.evaluate.results import Results
from scanner.render import csv_format, json_format, table_format

Renderer = Callable[[Results], str]

RENDERERS: dict[str, Renderer] = {
    "table": table_format.render,
    "json": json_format.render,
    "csv": csv_format.render,
}
