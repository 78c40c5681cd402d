"""``server.address`` and ``server.port`` from a client's base URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"https": 443, "http": 80}


def host_and_port(base_url: Any) -> tuple[str | None, int | None]:
    """Host and port of a URL (a string or an httpx URL); the scheme's default port when none is given."""
    if not base_url:
        return None, None
    url = urlsplit(str(base_url))
    return url.hostname, url.port or _DEFAULT_PORTS.get(url.scheme)
