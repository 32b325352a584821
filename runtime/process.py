"""Leaving a process that used the Temporal client without tripping over its threads."""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush and leave with `code`, skipping interpreter teardown.

    The Temporal client's Rust bridge keeps background threads that can outlive the event
    loop; when CPython finalises while one of them still holds a thread state, the process
    aborts with "PyGILState_Release: thread state … must be current" (temporalio/sdk-python
    issue 300), so a command that did all its work exits with SIGABRT. Callers release
    their resources (pools, servers, embedded PostgreSQL) before calling this.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
