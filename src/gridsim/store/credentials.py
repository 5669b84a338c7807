"""A tenant's PostgreSQL credentials, kept where only their OS user can read them.

A password never travels on a command line (every user of the machine can
read those): ``gridsim tenant create`` reads one from a file or standard
input (:func:`read_password`) and hands the tenant's credentials over in a
libpq *service file* (:func:`write_service_file`), mode 0600, that the
tenant's OS user installs as ``~/.pg_service.conf`` (or names with
``PGSERVICEFILE``); the tenant's store is then
``postgresql:///?service=gridsim_TENANT``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from gridsim.store.errors import StoreError, os_error
from gridsim.store.sqlite import check_private

__all__ = ["read_password", "service_name", "service_url", "write_service_file"]


def service_name(tenant: str) -> str:
    """The service-file section of a tenant: ``gridsim_TENANT``."""
    return f"gridsim_{tenant}"


def service_url(tenant: str) -> str:
    """The store URL that reads the tenant's service section: ``postgresql:///?service=...``."""
    return f"postgresql:///?service={service_name(tenant)}"


def read_password(source: str) -> str:
    """Read a password from a file, or from standard input for ``-``.

    The first line is the password (its line ending dropped). A file must be
    the user's own and private (0600), as ssh requires of a key.

    Args:
        source: A path, or ``-``.

    Returns:
        The password.

    Raises:
        StoreError: If the file is not private, cannot be read, or the password is empty.
    """
    if source == "-":
        line = sys.stdin.readline()
        where = "standard input"
    else:
        path = Path(source).expanduser()
        check_private(path, what="password")
        try:
            with path.open(encoding="utf-8") as handle:
                line = handle.readline()
        except OSError as exc:
            raise os_error(exc, str(path)) from None
        where = str(path)
    password = line.rstrip("\r\n")
    if not password:
        raise StoreError(f"{where}: no password on its first line")
    return password


def _section_lines(text: str, section: str) -> tuple[list[str], dict[str, str]]:
    """The file's lines without ``[section]``, and that section's settings."""
    kept: list[str] = []
    settings: dict[str, str] = {}
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            inside = stripped[1:-1].strip() == section
        if inside:
            key, sep, value = stripped.partition("=")
            if sep:
                settings[key.strip()] = value.strip()
            continue
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return kept, settings


def write_service_file(
    path: str | os.PathLike[str], tenant: str, store_url: str, password: str | None
) -> Path:
    """Write (or replace) the tenant's section in a libpq service file, mode 0600.

    Other sections are kept. The file is written whole under a temporary
    name and renamed into place, so a reader never sees half of it. With no
    password (an existing tenant whose password was not changed) the
    section keeps the password it had.

    Args:
        path: The service file.
        tenant: The tenant (its section is ``gridsim_TENANT``).
        store_url: The tenant's URL from ``create_tenant`` (role, host, port, database).
        password: The role's password, or None.

    Returns:
        The file.

    Raises:
        StoreError: If an existing file is not the user's own and private, or
            cannot be written.
    """
    file = Path(path).expanduser().absolute()
    check_private(file, what="service")
    url = make_url(store_url)
    section = service_name(tenant)
    try:
        old = file.read_text(encoding="utf-8") if file.exists() else ""
    except OSError as exc:
        raise os_error(exc, str(file)) from None
    kept, previous = _section_lines(old, section)
    settings = {
        "host": url.host or "",
        "port": str(url.port or ""),
        "dbname": url.database or "",
        "user": url.username or "",
        "password": password if password is not None else previous.get("password", ""),
    }
    for char in "\r\n":
        if any(char in value for value in settings.values()):
            raise StoreError(f"{file}: a connection setting holds a line break")
    lines = [*kept, *([""] if kept else []), f"[{section}]"]
    lines += [f"{key}={value}" for key, value in settings.items() if value]
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
            os.replace(name, file)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise os_error(exc, str(file)) from None
    return file
