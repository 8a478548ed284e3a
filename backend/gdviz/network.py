"""Where students reach this machine: its LAN address, and the base of the links a teacher shares."""

import socket
from urllib.parse import urlsplit

from .settings import Settings

ALL_INTERFACES = ("0.0.0.0", "::")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def lan_address() -> str | None:
    """The IPv4 address this machine would reach its network from (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address: str = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def share_base(settings: Settings, page_url: str) -> str:
    """The origin a shared link starts with, given the URL the teacher's page was loaded from.

    ``GDVIZ_PUBLIC_URL`` wins (inside a container only the operator knows the reachable address);
    a server on all interfaces seen from localhost answers with its LAN address, the one students
    can reach; otherwise the teacher's own origin.
    """
    if settings.public_url:
        return settings.public_url.rstrip("/")
    page = urlsplit(page_url)
    if settings.host in ALL_INTERFACES and page.hostname in LOOPBACK and (lan := lan_address()):
        return f"{page.scheme}://{lan}:{page.port or 80}"
    return f"{page.scheme}://{page.netloc}"
