"""Secrets that the demo keeps on disk under var/ when the environment does not set them."""

import base64
import os
from pathlib import Path


def read_or_create_key(path: Path) -> str:
    """Return the key stored at ``path``, creating a random 32-byte key the first time."""
    if path.exists():
        return path.read_text().strip()
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
