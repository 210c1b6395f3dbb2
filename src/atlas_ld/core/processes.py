"""Facts about processes: whether one still runs (how builds and dumps tell a live owner from
leftovers), and the sizes Linux reports in `/proc` (memory available, a process's data)."""

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


def proc_bytes(path: str, field: str) -> int | None:
    """A size Linux reports in kB in a `/proc` file (`MemAvailable:` of /proc/meminfo, `VmData:`
    of /proc/self/status), in bytes; None where there is no such file or field."""
    try:
        with open(path, encoding="ascii") as report:
            for line in report:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def readable_size(n: float) -> str:
    """Bytes as people read them: `1 GiB`, `8.1 MiB`, `512 bytes`."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n:.0f} bytes"
