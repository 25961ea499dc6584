"""The one place that builds absolute URLs: from TOWNHALL_BASE_URL, not from whatever Host header
a request carries (anyone can set it, and a cached page would then show it to everyone)."""

from urllib.parse import urlsplit

from fastapi import Request

from app.config import Settings


def absolute_url(request: Request, path: str) -> str:
    """`path` under the configured base URL. Without one (a local demo), under the request's
    own origin: its Host is one of the allowed hosts (TrustedHostMiddleware refused any other)
    and the page cache keys on it, so no reader is ever shown a link built for another's."""
    settings: Settings = request.app.state.settings
    base = settings.base_url or str(request.base_url)
    return base.rstrip("/") + path


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host headers answered: the setting's, and the base URL's host."""
    hosts = list(settings.allowed_hosts)
    if settings.base_url and (host := urlsplit(settings.base_url).hostname):
        hosts.append(host)
    return hosts
