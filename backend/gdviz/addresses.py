"""Who sent a request, as the limits per address count it (rooms opened, answers posted).

The peer's own address, unless the peer is a reverse proxy the server was told to trust
(``GDVIZ_TRUSTED_PROXIES``): then the client its ``X-Forwarded-For`` names, read from the right,
past every trusted proxy, so that a client cannot pass for another by sending the header itself.
An IPv6 client counts by its /64 network: a home or a school is given one, and any address in it.
"""

import ipaddress
from functools import cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@cache
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """``10.0.0.5, 172.16.0.0/12`` as networks; a ``ValueError`` names an entry that is none."""
    networks = []
    for entry in (e.strip() for e in spec.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry[:60]!r} is not an address or a network") from None
    return tuple(networks)


def parsed(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(peer: str | None, forwarded_for: str | None, trusted: str) -> str:
    """The address a request is counted under: ``peer``'s, or the client a trusted proxy names."""
    networks = trusted_networks(trusted)
    address = parsed(peer or "")
    if address is None:
        return peer or "unknown"
    chain = [e for e in (forwarded_for or "").split(",") if e.strip()] if networks else []
    while chain and any(address in network for network in networks):
        named = parsed(chain.pop())
        if named is None:  # not an address: the proxy's peer is all that is known
            break
        address = named
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
