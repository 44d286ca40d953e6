"""Bounded fan-out that neither hides a worker's exception nor outlives it."""

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_concurrently(
    function: Callable[[Item], Result], items: Iterable[Item], max_workers: int, name: str
) -> list[Result]:
    """[function(item) for item in items], at most `max_workers` at a time, in input order.

    The first exception (a bug, or Ctrl-C in the caller) propagates. Work not yet started is
    cancelled first, so an interrupted collection stops after the calls in flight instead of
    finishing every queued repository.
    """
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
    try:
        return list(pool.map(function, items))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
