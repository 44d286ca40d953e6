"""Timestamps as ecrscan writes them: UTC, to the second, with a `Z` (RFC 3339), everywhere.

Evidence read by auditors and compared across files must not mix `Z` and `+00:00` for one
instant; every time ecrscan records comes from here.
"""

import datetime as dt


def utc_now() -> str:
    return utc_text(dt.datetime.now(dt.UTC))


def utc_text(moment: dt.datetime) -> str:
    """2026-12-02T09:00:00Z; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
