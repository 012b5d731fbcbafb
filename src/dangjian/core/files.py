"""Private files and folders: everything the application keeps in its data directory is its owner's alone.

The data directory holds the database, the keys, uploaded evidence, backups and change sets: personal information.
Folders are 0700 and files 0600, whatever the umask of whoever started the process. Three layers:

- `private_by_default()` at process start (the `dangjian` command, the WSGI module) sets the umask to 077, so files
  made by other code (SQLite's database and its -wal/-shm files, Django's storage) are private from birth;
- `private_dir`, `open_private` and `write_private` make a folder or file private explicitly, for code that must not
  depend on the umask (other engineers' writers may use them too);
- `tighten(data_dir)` at start brings an existing installation's older, world-readable files into line.

Plain Python without Django, so settings.py may use it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077


def private_by_default() -> None:
    """New files and folders of this process are the owner's alone (mode & ~077)."""
    os.umask(UMASK)


def private_dir(path: Path | str) -> Path:
    """The folder at `path`, created if missing (with any missing parents) and made 0700."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # made by another process meanwhile
        folder.chmod(DIR_MODE)  # mkdir's mode passes through the umask
    path.chmod(DIR_MODE)
    return path


def open_private(path: Path | str, mode: str = "wb", *, exclusive: bool = False):
    """`path` opened for writing as a 0600 file, also when it existed with a wider mode; the folder must exist.

    The mode is set when the file is created, not after it was written, so no other user can open it meanwhile.
    """
    if not set(mode) <= set("wbt"):
        raise ValueError(f"open_private writes only, not {mode!r}")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path | str, data: bytes | str) -> Path:
    """Write `data` to `path` as a 0600 file."""
    with open_private(path, "wb" if isinstance(data, bytes) else "w") as handle:
        handle.write(data)
    return Path(path)


def tighten(data_dir: Path | str) -> int:
    """Take the group's and others' rights off the data directory and everything under it (so 0755 becomes 0700 and
    0644 becomes 0600, while a 0400 key stays 0400); how many were changed.

    Symbolic links are left alone, and so is what they point to: an operator may link a folder elsewhere on purpose.
    """
    root = Path(data_dir)
    if not root.is_dir() or root.is_symlink():
        return 0
    changed = _owner_only(root)
    for folder, dirs, names in os.walk(root):
        for name in (*dirs, *names):
            changed += _owner_only(Path(folder, name))
    return changed


def _owner_only(path: Path) -> int:
    try:
        info = path.lstat()
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode) or not mode & 0o077:
            return 0
        path.chmod(mode & 0o700)
    except FileNotFoundError:
        return 0  # removed meanwhile (a finished job's file)
    except PermissionError:
        log.warning("无法收紧文件权限（不属于本用户）：%s", path)
        return 0
    return 1
