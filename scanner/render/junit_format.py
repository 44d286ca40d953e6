"""JUnit XML, which every CI system renders: one test suite per control, one test case per
(control, resource).

FAIL is a <failure>, ERROR an <error> (the control could not decide), N/A and SUPPRESSED are
<skipped> with the reason (a suppression keeps its own), and a failure a --baseline already knew
is <skipped> too, saying so: visible, but not a new failure.

An incomplete collection (a top-level collection error: regions not listable, an account not
entered) is a test suite `collection` with one <error> test case per error, so CI shows the run
as broken even when every judged cell passed. Every name and reason passes through xml_text:
characters XML 1.0 cannot hold are shown as escapes, so the document is always well formed.
"""

import xml.etree.ElementTree as ET
from collections import Counter

from scanner.audit.baseline import is_known
from scanner.evaluate.results import Result, Results
from scanner.render.incomplete import collection_errors, describe
from scanner.text_safety import xml_text


def render(results: Results) -> str:
    root = ET.Element("testsuites", name="ecrscan")
    totals: Counter = Counter()
    _collection_suite(root, results, totals)
    for control in results.controls:
        mine = [r for r in results.results if r.control_id == control["id"]]
        suite = ET.SubElement(root, "testsuite", name=xml_text(control["id"]))
        counts = Counter(_outcome(r) for r in mine)
        for result in sorted(mine, key=lambda r: (r.account_id, r.region, r.resource_name)):
            _testcase(suite, result)
        _count(suite, len(mine), counts)
        totals.update(counts)
        totals["tests"] += len(mine)
    _count(root, totals["tests"], totals)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _collection_suite(root: ET.Element, results: Results, totals: Counter) -> None:
    errors = collection_errors(results.metadata)
    if not errors:
        return
    suite = ET.SubElement(root, "testsuite", name="collection")
    for error in errors:
        case = ET.SubElement(
            suite, "testcase", classname="collection", name=xml_text(error.get("operation", "?"))
        )
        text = xml_text(describe(error))
        ET.SubElement(case, "error", message=f"incomplete collection: {text}", type="ERROR")
    _count(suite, len(errors), Counter(errors=len(errors)))
    totals.update(errors=len(errors), tests=len(errors))


def _count(element: ET.Element, tests: int, counts: Counter) -> None:
    element.set("tests", str(tests))
    for outcome in ("failures", "errors", "skipped"):
        element.set(outcome, str(counts[outcome]))


def _outcome(result: Result) -> str:
    if result.status == "FAIL" and not is_known(result):
        return "failures"
    if result.status == "ERROR":
        return "errors"
    if result.status == "PASS":
        return "passed"
    return "skipped"


def _testcase(suite: ET.Element, result: Result) -> None:
    source = result.source or {}
    case = ET.SubElement(
        suite,
        "testcase",
        classname=xml_text(result.control_id),
        name=xml_text(f"{result.resource_name} ({result.account_id}/{result.region})"),
    )
    if source.get("file"):
        case.set("file", xml_text(source["file"]))
        if isinstance(source.get("line"), int):
            case.set("line", str(source["line"]))
    outcome = _outcome(result)
    reason = xml_text(result.reason)
    text = xml_text(f"{result.resource_id}: {result.reason}")
    if outcome == "failures":
        ET.SubElement(case, "failure", message=reason, type=result.severity).text = text
    elif outcome == "errors":
        ET.SubElement(case, "error", message=reason, type="ERROR").text = text
    elif outcome == "skipped":
        ET.SubElement(case, "skipped", message=xml_text(_skip_message(result)))
    else:
        ET.SubElement(case, "system-out").text = reason


def _skip_message(result: Result) -> str:
    exception = result.exception or {}
    if result.status == "SUPPRESSED":
        return f"SUPPRESSED ({exception.get('reason', '')}): {result.reason}"
    if result.status == "FAIL":
        return f"FAIL, known in the baseline: {result.reason}"
    return f"{result.status}: {result.reason}"
