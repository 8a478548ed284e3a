"""Who sent a request, as the limits per address count it (``addresses.py``)."""

import pytest

from gdviz.addresses import client_address, trusted_networks
from gdviz.settings import Settings


def test_without_a_trusted_proxy_the_peer_is_the_client():
    assert client_address("192.168.1.20", "10.9.9.9", "") == "192.168.1.20"


def test_a_trusted_proxy_names_the_client_read_from_the_right():
    trusted = "127.0.0.1, 172.16.0.0/12"
    assert client_address("127.0.0.1", "192.168.1.20", trusted) == "192.168.1.20"
    # the client's own header comes first, the proxies' entries after it: the rightmost
    # address no trusted proxy stands for is the client
    assert client_address("127.0.0.1", "6.6.6.6, 192.168.1.20, 172.18.0.3", trusted) == (
        "192.168.1.20"
    )
    assert client_address("10.0.0.9", "6.6.6.6", trusted) == "10.0.0.9"  # not a trusted peer
    assert client_address("127.0.0.1", "not an address", trusted) == "127.0.0.1"


def test_an_ipv6_client_counts_by_its_64_network():
    one = client_address("2001:db8:1:2:aaaa::1", None, "")
    assert one == client_address("2001:db8:1:2:bbbb::9", None, "") == "2001:db8:1:2::/64"
    assert client_address("::ffff:10.0.0.5", None, "") == "10.0.0.5"


def test_a_setting_that_is_no_address_is_refused_at_start():
    assert len(trusted_networks("10.0.0.1, 192.168.0.0/16")) == 2
    with pytest.raises(ValueError, match=r"proxy\.example"):
        Settings(trusted_proxies="10.0.0.1, proxy.example")
