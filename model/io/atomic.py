"""Atomic file writes: a crash or kill mid-write leaves the old file or the new one, never half."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process's umask, read without changing it (os.umask would, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write_bytes(path: str | os.PathLike, data: bytes, private: bool = True) -> None:
    """Write to a temporary file in the same folder, fsync it, then rename it over `path`.

    `private`: the file stays readable by its owner only (mkstemp's 0600: autosave, history);
    otherwise it gets the permissions any new file of the user gets (0666 less the umask),
    as a file the user exports to share should."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        if not private:
            os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike, text: str, private: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), private)
