import pytest

from tandem.mail.tests.dns_server import DnsServer, bind_free_port, start


@pytest.fixture
def dns_server(settings):
    """A DNS server on loopback that the domain check asks (TANDEM_DNS_NAMESERVERS points at it)."""
    server = DnsServer(port=bind_free_port())
    sock, thread = start(server)
    settings.TANDEM_DNS_NAMESERVERS = [server.address]
    settings.TANDEM_DNS_TIMEOUT_SECONDS = 0.5
    yield server
    thread.stop.set()
    thread.join(timeout=2)
    sock.close()
