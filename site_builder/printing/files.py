"""Private files written safely: complete on disk, readable by their owner only, before
they take the place of the target (a crash or a full disk leaves no half file)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_pending(target: Path, data: bytes) -> Path:
    """Write the data to a private temporary file beside the target; returns its path."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)
