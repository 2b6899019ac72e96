"""The failed file: one JSON line for each input line (or record) that could not be delivered, and why.

It is never half-written: each input line's entries go out in one ``write`` of whole lines, after
that line is settled, so a kill leaves whole lines (and a torn last line, should the system stop
mid-write, is cut off when a resume reopens the file). A resume appends; the line numbers already
in the file count as settled, so a line is never written twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from ..core import JSONObject
from ..errors import UsageError

__all__ = ["FailedFile", "default_failed", "lines_in"]


def default_failed(base: str) -> Path:
    """``base``, or the first ``base-N.jsonl`` that does not exist: an earlier run's failures stay."""
    path = Path(base)
    counter = 1
    while path.exists():
        path = Path(f"{base.removesuffix('.jsonl')}-{counter}.jsonl")
        counter += 1
    return path


def lines_in(path: Path) -> list[int]:
    """The input line numbers a failed file names (whole lines only)."""
    found: list[int] = []
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return found
    for raw in data[: data.rfind(b"\n") + 1].splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        line = entry.get("line") if isinstance(entry, dict) else None
        if isinstance(line, int) and not isinstance(line, bool):
            found.append(line)
    return found


class FailedFile:
    """The failed file, opened at the first failure (an explicit path is emptied at the start,
    unless the run resumes, which appends)."""

    def __init__(self, path: Path, explicit: bool, sources: Sequence[Path], *, append: bool = False) -> None:
        self.path = path
        self.lines = 0
        self._fd: int | None = None
        self._append = append
        resolved = path.resolve()
        if any(source.resolve() == resolved for source in sources):
            raise UsageError(f"--failed: {path} is the input being read; name another file")
        directory = resolved.parent
        if not directory.is_dir() or not os.access(directory, os.W_OK):
            raise UsageError(f"--failed: cannot write {path}: {directory} is not a writable folder")
        if explicit or append:
            self._open()

    def _open(self) -> int:
        if self._fd is None:
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if self._append else os.O_TRUNC)
                self._fd = os.open(self.path, flags, 0o644)
            except OSError as error:
                raise UsageError(f"--failed: cannot write {self.path}: {error.strerror or error}") from None
            if self._append:
                size = os.fstat(self._fd).st_size
                with self.path.open("rb") as fh:
                    data = fh.read()
                end = data.rfind(b"\n") + 1
                if end != size:
                    os.truncate(self.path, end)
        return self._fd

    def write(self, entries: Sequence[JSONObject]) -> None:
        """The entries of one input line, in one write."""
        if not entries:
            return
        text = "".join(json.dumps(entry, ensure_ascii=False, separators=(", ", ": ")) + "\n" for entry in entries)
        os.write(self._open(), text.encode("utf-8"))
        self.lines += len(entries)

    def flush(self) -> None:
        """Nothing is buffered: each write is whole lines handed to the system at once."""

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
