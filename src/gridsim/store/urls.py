"""Store locations: telling a URL from a path, parsing it, hiding its password.

A store is named by a filesystem path (an SQLite file or a workspace root) or
by a database URL (``postgresql://TENANT:PASSWORD@HOST/DB``,
``sqlite:///relative/file.sqlite``). A malformed URL is an
:class:`~gridsim.store.errors.InvalidStoreURLError` that says what is wrong,
and no message ever shows a password.
"""

from __future__ import annotations

import os
import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from gridsim.store.errors import InvalidStoreURLError

__all__ = ["is_url", "parse_url", "redact"]

_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+]*://")


def is_url(location: str | os.PathLike[str] | URL) -> bool:
    """Whether a store location is a database URL rather than a filesystem path.

    Args:
        location: A path, a URL string such as ``postgresql://...``, or a URL.

    Returns:
        True for URLs.
    """
    return isinstance(location, URL) or (
        isinstance(location, str) and _URL_SCHEME.match(location) is not None
    )


def redact(location: str) -> str:
    """A URL as text with any password replaced by ``***`` (for messages).

    Args:
        location: A URL as the user wrote it (perhaps malformed).

    Returns:
        The same text without the password.
    """
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", location)


def parse_url(location: str | URL) -> URL:
    """Parse a store URL, refusing malformed ones with a message that says what is wrong.

    Args:
        location: e.g. ``postgresql://TENANT:PASSWORD@HOST:5432/DB``,
            ``sqlite:///relative/file.sqlite`` or ``sqlite:////absolute/file.sqlite``.

    Returns:
        The URL; ``postgres://`` is read as ``postgresql://``.

    Raises:
        InvalidStoreURLError: If the URL cannot be parsed (e.g. a port that is not
            a number).
    """
    if isinstance(location, URL):
        return location
    try:
        url = make_url(location)
    except (ArgumentError, ValueError) as exc:
        text_ = str(exc)
        reason = "the port must be a number" if "invalid literal for int()" in text_ else text_
        raise InvalidStoreURLError(
            f"malformed store URL {redact(location)!r}: {reason}; expected e.g. "
            "postgresql://TENANT:PASSWORD@HOST:5432/DB, sqlite:///relative/file.sqlite "
            "or a plain path"
        ) from None
    if url.drivername.split("+")[0] == "postgres":  # the alias many hosting services print
        url = url.set(drivername="postgresql" + url.drivername[len("postgres") :])
    if url.get_backend_name() == "sqlite" and url.host:
        raise InvalidStoreURLError(
            f"store URL {redact(str(location))!r} names a host ({url.host!r}), which SQLite "
            "has not: write sqlite:///relative/file.sqlite (three slashes) or "
            "sqlite:////absolute/file.sqlite (four), or give a plain path"
        )
    return url
