"""Whether a process still runs: how builds and dumps tell a live owner from leftovers."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True when `pid` names a running process (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
