"""Files gridsim reads and writes: confined, bounded, and whole or not at all.

Three rules every module follows, so that a user's mistake (or an attacker's
file) never takes the machine down and a killed process never leaves a
half-written output:

- **Inputs are regular files of bounded size.** :func:`read_bounded` refuses
  FIFOs, devices and directories before opening them (a FIFO would block for
  ever) and stops reading past a cap instead of loading a 2 GB file.
- **Paths named inside a file stay inside a root.** :func:`resolve_inside`
  refuses absolute paths, ``..`` escapes and symlinks that lead out of the
  allowed roots.
- **Outputs are atomic.** :func:`atomic_write` and :func:`atomic_path` write a
  temporary file in the destination's folder and ``os.replace`` it into place,
  so a reader sees the old file or the new one, never a truncated one.
  :func:`staged_folder` does the same for a set of files that belong together
  (a report and its figures): none changes until all are written.

Every refusal is an :class:`InputError` whose lines name the file (and key),
which the command line reports with exit code 2.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

MAX_TOML_BYTES = 1 << 20
"""Largest scenario, experiment or plan file read (1 MiB; the shipped ones are < 5 KiB)."""

MAX_CSV_BYTES = 64 << 20
"""Largest communities CSV read (64 MiB: ~1 M communities, far past any district)."""


class InputError(Exception):
    """Something the user gave cannot be used; each line names the file (and key).

    Attributes:
        problems: One line per problem.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def check_regular_file(path: Path, display: str | None = None) -> os.stat_result:
    """Refuse anything but an existing regular file (after following symlinks).

    Args:
        path: The file.
        display: How to name it in a message (default: :func:`display_path`).

    Returns:
        Its ``os.stat`` result.

    Raises:
        InputError: Missing, a directory, a FIFO, a device or a socket.
    """
    name = display if display is not None else display_path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name}: is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{name}: not a regular file (a FIFO, device or socket is never read)")
    return st


def read_bounded(path: Path, max_bytes: int, display: str | None = None) -> bytes:
    """Read a regular file of at most ``max_bytes`` bytes.

    Args:
        path: The file.
        max_bytes: Refuse larger files (checked before and while reading, so a
            file that grows meanwhile is refused too).
        display: How to name it in a message.

    Returns:
        The file's bytes.

    Raises:
        InputError: Not a regular file, unreadable, or too large.
    """
    name = display if display is not None else display_path(path)
    st = check_regular_file(path, name)
    if st.st_size > max_bytes:
        raise InputError(
            f"{name}: {st.st_size:,} bytes is larger than the {max_bytes:,} bytes gridsim reads "
            "for this kind of file"
        )
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open does not block.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{name}: cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise InputError(f"{name}: not a regular file")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{name}: larger than the {max_bytes:,} bytes gridsim reads")
    return data


def resolve_inside(
    base_dir: Path, name: str, roots: Iterable[Path], *, where: str, what: str = "file"
) -> Path:
    """Resolve a relative path named inside a file, refusing escapes.

    Args:
        base_dir: Folder the name is relative to (the naming file's folder).
        name: The path as written in the file.
        roots: Folders the result must lie in (after resolving symlinks).
        where: ``"file: key"`` prefix for messages.
        what: What the path names, for messages.

    Returns:
        The resolved path (symlinks followed), inside one of ``roots``.

    Raises:
        InputError: Absolute, empty, escaping every root, or through a symlink
            that leads out.
    """
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: must be a relative path to a {what}, got {name!r}")
    if "\0" in name:
        raise InputError(f"{where}: contains a NUL character")
    if Path(name).is_absolute() or name.startswith("~"):
        raise InputError(
            f"{where}: '{name}' is an absolute path; name the {what} relative to this file"
        )
    resolved = (base_dir / name).resolve()
    allowed = [Path(r).resolve() for r in roots]
    if not any(resolved.is_relative_to(r) for r in allowed):
        lexical = Path(os.path.normpath(base_dir / name))
        how = (
            "through a symbolic link"
            if any(lexical.is_relative_to(r) for r in allowed)
            else "with '..'"
        )
        shown = ", ".join(str(r) for r in allowed)
        raise InputError(
            f"{where}: '{name}' leads outside the scenario root ({shown}) {how}; "
            "keep it inside, or name another root with --scenario-root or "
            "GRIDSIM_SCENARIO_ROOT"
        )
    return resolved


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    Whatever the caller writes to the yielded path appears at ``path`` whole, or
    (on an exception or a kill) not at all: the old file, if any, stays. A
    leftover temporary file is named ``.<name>.<random>.tmp``.

    Args:
        path: The destination.
        mode: Permission bits of the new file (before the umask is *not* applied:
            they are set exactly).
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _fsync_file(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(dest.parent)


def _fsync_file(path: Path) -> None:
    """Flush a written file's data to the disk (before it is renamed into place)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def staged_folder(
    folder: str | os.PathLike[str], *, last: Sequence[str] = (), remove: Iterable[str] = ()
) -> Iterator[Path]:
    """Write a set of files into ``folder`` that replaces the old ones only once all are ready.

    Yields a new hidden folder inside ``folder`` (``.staged.<random>.tmp``, on
    the same file system, so a rename moves a file without copying it). When
    the block ends without an exception, every file written there is flushed
    to the disk and renamed (``os.replace``) into ``folder``, the names in
    ``remove`` are deleted from ``folder``, the names in ``last`` are renamed
    at the very end, and the staging folder is removed. Until then ``folder``
    is untouched: an exception (the staging folder is deleted) or a kill (it
    is left behind, and removed by the next writer into ``folder`` once no
    process holds it) keeps the old files as they were. The renames take
    microseconds; an exception raised meanwhile (``KeyboardInterrupt``, a
    signal turned into one) lets them finish first, so the folder never mixes
    old and new files. Only a ``SIGKILL`` inside that burst can.

    Files in ``folder`` that are not written again (nor named in ``remove``)
    stay: this replaces files, not the folder, so a folder that also holds the
    user's own files is safe.

    Args:
        folder: The destination folder (created if missing).
        last: Names moved in after all others (the file that refers to them,
            such as ``index.html``).
        remove: Names deleted from ``folder`` (files of an older set that the
            new one does not have), just before ``last`` is moved in.

    Raises:
        ValueError: If something other than a regular file was left in the
            staging folder (nothing is moved then).
    """
    dest = Path(folder)
    dest.mkdir(parents=True, exist_ok=True)
    _remove_stale_stages(dest)
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, suffix=".tmp", dir=dest))
    held = _lock_folder(stage)  # while this process lives, no other writer removes it
    try:
        yield stage
        entries = sorted(stage.iterdir())
        odd = [e.name for e in entries if e.is_symlink() or not e.is_file()]
        if odd:
            raise ValueError(f"{stage}: only files can be staged, found {', '.join(odd)}")
        for entry in entries:
            _fsync_file(entry)
        first = [e for e in entries if e.name not in last]
        final = sorted((e for e in entries if e.name in last), key=lambda e: last.index(e.name))
        doomed = [dest / name for name in remove if not (stage / name).exists()]
        steps: list[tuple[Path, Path | None]] = [
            *((e, dest / e.name) for e in first),
            *((d, None) for d in doomed),
            *((e, dest / e.name) for e in final),
        ]
        _complete(steps)
        _fsync_dir(dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # empty after a success
        if held is not None:
            os.close(held)


STAGE_PREFIX = ".staged."
"""Name of a staging folder of :func:`staged_folder`: ``.staged.<random>.tmp``."""

STALE_STAGE_SECONDS = 60.0
"""A staging folder nobody holds is removed once it is this old (a killed writer's)."""


def _lock_folder(path: Path) -> int | None:
    """An open descriptor of ``path`` holding an exclusive ``flock``; None if taken or no flock.

    The lock ends with the process, however it ends: a folder whose lock can
    be taken belongs to no living writer.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: staging folders are not shared, nor removed by others
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _remove_stale_stages(folder: Path) -> None:
    """Delete the staging folders that killed writers left in ``folder``.

    Only those no living process holds (see :func:`_lock_folder`) and older
    than :data:`STALE_STAGE_SECONDS` (not one another writer has just made and
    is about to lock).
    """
    now = time.time()
    for stage in folder.glob(f"{STAGE_PREFIX}*.tmp"):
        try:
            st = stage.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or now - st.st_mtime < STALE_STAGE_SECONDS:
            continue
        fd = _lock_folder(stage)
        if fd is None:
            continue
        try:
            shutil.rmtree(stage, ignore_errors=True)
        finally:
            os.close(fd)


def _complete(steps: list[tuple[Path, Path | None]]) -> None:
    """Rename ``(src, dest)`` or delete ``(path, None)`` in order; an interruption waits for all.

    An ``OSError`` stops at once (the disk said no); any other exception
    raised meanwhile (``KeyboardInterrupt``, a signal's) is raised again once
    the remaining steps have run.
    """

    def run(src: Path, dst: Path | None) -> None:
        if dst is None:
            src.unlink(missing_ok=True)
        else:
            os.replace(src, dst)

    done = 0
    try:
        for src, dst in steps:
            run(src, dst)
            done += 1
    except OSError:
        raise
    except BaseException:
        for src, dst in steps[done:]:  # a step that ran just before the interruption: a no-op
            with contextlib.suppress(OSError):
                run(src, dst)
        raise


def atomic_write(path: str | os.PathLike[str], data: str | bytes, mode: int = 0o644) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all.

    Args:
        path: The destination.
        data: Text or bytes.
        mode: Permission bits of the new file.

    Returns:
        The destination path.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, mode) as tmp:
        tmp.write_bytes(payload)
    return Path(path)
