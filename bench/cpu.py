"""CPU time of Chromium's threads, read from Linux ``/proc``: how much work the page's main thread and the
bridge's worker did during a burst, whatever the worker's protocol (no hook in the bundle needed).

Chromium names a dedicated worker's thread ``DedicatedWorker thread`` and a shared one's ``SharedWorker
thread`` (``comm`` keeps 15 characters); a renderer's main thread is its first thread. ``schedstat`` gives nanoseconds; ``stat`` (clock ticks) is the
fallback. Off Linux every figure is None.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ThreadTimes", "browser_pid", "thread_times"]

PROC = Path("/proc")
# Thread names (comm keeps 15 characters): the bridge's worker, dedicated or (Chromium) shared by the site's tabs.
WORKER_THREADS = ("DedicatedWorker", "SharedWorker th")


@dataclass(frozen=True)
class ThreadTimes:
    """Seconds of CPU per thread: the renderers' main threads and the dedicated-worker threads, by thread id."""

    main: dict[int, float]
    workers: dict[int, float]

    @staticmethod
    def delta(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds spent between two readings (threads born in between count from zero)."""
        return sum(t - before.get(tid, 0.0) for tid, t in after.items())


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _cpu_seconds(task: Path) -> float | None:
    schedstat = _read(task / "schedstat")
    if schedstat:
        return int(schedstat.split()[0]) / 1e9
    stat = _read(task / "stat")
    if not stat:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for proc in PROC.iterdir():
        if not proc.name.isdigit():
            continue
        stat = _read(proc / "stat")
        if stat:
            out.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(proc.name))
    return out


def browser_pid(profile: Path) -> int | None:
    """The browser process started with ``--user-data-dir=<profile>``, or None."""
    needle = f"--user-data-dir={profile}".encode()
    if not PROC.is_dir():
        return None
    for proc in PROC.iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "cmdline").read_bytes():
                    return int(proc.name)
            except OSError:
                continue
    return None


def thread_times(root: int | None) -> ThreadTimes | None:
    """The CPU times of the renderers under the browser process ``root`` (None if unreadable)."""
    if root is None:
        return None
    children = _children()
    stack, main, workers = [root], {}, {}
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        cmdline = (_read(PROC / str(pid) / "cmdline") or "")
        if "--type=renderer" not in cmdline:
            continue
        for task in (PROC / str(pid) / "task").iterdir():
            name = (_read(task / "comm") or "").strip()
            seconds = _cpu_seconds(task)
            if seconds is None:
                continue
            if task.name == str(pid):
                main[pid] = seconds
            elif name.startswith(WORKER_THREADS):
                workers[int(task.name)] = seconds
    return ThreadTimes(main, workers)
