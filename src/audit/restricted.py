"""How restricted files and folders are made: readable by their owner only, or by one Unix group too.

``OUT/restricted/`` holds case-level data (executed notebooks, scored workbooks,
full summaries, failure tracebacks), and a run's temporary files hold a copy of
the workbooks. Whatever the umask, all of them are made owner-only (folders 0700,
files 0600), or with ``--share-group`` group-readable (0750, 0640) and owned by
that group. Each is created with its final mode from the start: a file is opened
with mode 0600 and given its group before any group bit is set, so at no moment
can another user open it. Folders made with ``tempfile.mkdtemp`` are 0700 already.

Every writer of restricted outputs calls :func:`write_file`, :func:`open_file`
or :func:`make_folder` with an :class:`Access`; nothing else sets their modes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audit.errors import AuditError

RESTRICTED = "restricted"  # OUT/restricted/: the folder whose contents are never circulated

_POSIX = os.name == "posix"


class ShareGroupError(AuditError):
    """``--share-group`` names a group that does not exist, or one the user is not in."""

    exit_code = 2


@dataclass(frozen=True)
class Access:
    """Who may read restricted outputs: their owner, or also the members of one Unix group."""

    group: str | None = None
    gid: int | None = None

    @property
    def folder_mode(self) -> int:
        return 0o750 if self.gid is not None else 0o700

    @property
    def file_mode(self) -> int:
        return 0o640 if self.gid is not None else 0o600


OWNER_ONLY = Access()


def share_with(group: str | None) -> Access:
    """The access ``--share-group GROUP`` asks for; no group means owner-only.

    Membership is taken literally: the user's primary group or one of their
    supplementary groups (``os.getgroups``). Root is not a member of every group.
    """
    if group is None:
        return OWNER_ONLY
    if not group.strip():  # e.g. --share-group "$GROUP" with GROUP unset: the team meant to share, so say so
        raise ShareGroupError("--share-group: give the name or number of a group")
    if not _POSIX:
        raise ShareGroupError("--share-group needs Unix groups, which this system does not have")
    import grp

    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        if not group.isdigit():
            raise ShareGroupError(f"--share-group: there is no group called {group!r}") from None
        gid = int(group)  # a group ID, as chgrp accepts
        with contextlib.suppress(KeyError):
            group = grp.getgrgid(gid).gr_name
    if gid != os.getgid() and gid not in os.getgroups():
        raise ShareGroupError(
            f"--share-group: you are not a member of the group {group!r}, so its members cannot be given the outputs"
        )
    return Access(group, gid)


def _restricted_from(path: Path) -> int | None:
    """Where the restricted folders of ``path`` start: the index of its last ``restricted`` part, if any."""
    parts = path.parts
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == RESTRICTED:
            return i
    return None


def make_folder(path: Path, access: Access = OWNER_ONLY) -> Path:
    """Make ``path`` and any missing parents; the restricted ones get ``access``.

    The folder named ``restricted`` and those under it are restricted; folders
    above it (``OUT`` itself) are made as any other, since what they hold may be
    circulated. An existing restricted folder that this user owns is given
    ``access`` too, so a folder left by an earlier run, or made before
    ``--share-group`` was used, ends up as asked. In a path with no ``restricted``
    folder (beside a notebook written elsewhere, or in a temporary folder), the
    missing folders are made with ``access`` and existing ones are left alone.
    """
    path = Path(path)
    first = _restricted_from(path)
    for i in range(1, len(path.parts) + 1):
        folder = Path(*path.parts[:i])
        if first is not None and i - 1 < first:
            if not folder.is_dir():
                folder.mkdir(exist_ok=True)
            continue
        try:
            os.mkdir(folder, 0o700)  # the umask can only take bits away: never wider than 0700 here
        except FileExistsError:
            if not folder.is_dir():
                raise
            if first is None or folder.stat().st_uid != os.geteuid():
                continue  # not a restricted folder, or not ours to change
        _set_access(folder, None, access, access.folder_mode)
    return path


def _set_access(path: Path, fd: int | None, access: Access, mode: int) -> None:
    """Give a folder or file its group, then its mode: no group bit is set while it has another group."""
    if not _POSIX:
        return
    target: int | Path = path if fd is None else fd
    if access.gid is not None and os.stat(target).st_gid != access.gid:
        os.chmod(target, 0o700 if fd is None else 0o600)  # closed to the old group before the change
        os.chown(target, -1, access.gid)
    os.chmod(target, mode)


def write_file(path: Path, data: bytes | str, access: Access = OWNER_ONLY) -> Path:
    """Write a restricted file beside its target with its final mode, then rename it into place.

    ``mkstemp`` opens the file with mode 0600 whatever the umask; it is given its
    group and mode before a byte is written, and a failed run never leaves half a file.
    """
    from audit.atomic import write_beside

    path = Path(path)
    make_folder(path.parent, access)
    return write_beside(path, data, lambda fd, _tmp: _set_access(path, fd, access, access.file_mode))


@contextlib.contextmanager
def open_file(path: Path, access: Access = OWNER_ONLY) -> Iterator[BinaryIO]:
    """Open a restricted file for writing, created with mode 0600 (then ``access``) from the start.

    For files written in place, such as the prepared data a run's kernels read,
    or the executed notebook papermill writes cell by cell. A symbolic link in
    the file's place is refused rather than followed.
    """
    path = Path(path)
    make_folder(path.parent, access)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        _set_access(path, fd, access, access.file_mode)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "wb") as fh:
        yield fh
