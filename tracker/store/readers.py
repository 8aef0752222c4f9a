"""Threads for parallel read queries, one set per process (not shared across
a fork); each thread keeps its own connection. They serve reports only, so
they run at a lower CPU priority than the redirect (tracker/heavy.py)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from ..heavy import lower_priority

_pool: tuple[int, ThreadPoolExecutor] | None = None


def readers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (
            os.getpid(),
            ThreadPoolExecutor(4, thread_name_prefix="tracker-read", initializer=lower_priority),
        )
    return _pool[1]
