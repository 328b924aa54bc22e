"""A real DNS server on loopback for the tests: UDP, built on dnspython's message API, answering TXT queries
from a table the test fills in. Names in `nxdomain` answer NXDOMAIN, names in `silent` get no answer at all (the
client times out), anything else not in the table answers NOERROR with no records."""

import socket
import threading
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

PORTS = range(5350, 5360)  # this branch's DNS test ports


@dataclass
class DnsServer:
    port: int
    txt: dict[str, list[list[str]]] = field(default_factory=dict)
    nxdomain: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    queries: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def add_txt(self, name: str, *strings: str) -> None:
        """One TXT record at `name` made of these character-strings (call again for a second record)."""
        self.txt.setdefault(name.lower().rstrip("."), []).append(list(strings))

    def answer(self, wire: bytes) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append(name)
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name in self.nxdomain:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT and name in self.txt:
            texts = [
                " ".join('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"' for part in record)
                for record in self.txt[name]
            ]
            rrset = dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, dns.rdatatype.TXT, texts)
            response.answer.append(rrset)
        return response.to_wire()


def start(server: DnsServer) -> tuple[socket.socket, threading.Thread]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", server.port))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, client = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = server.answer(wire)
            if reply is not None:
                sock.sendto(reply, client)

    thread = threading.Thread(target=serve, daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return sock, thread


def bind_free_port() -> int:
    """The first of this branch's ports that is free (another test run may hold one)."""
    for port in PORTS:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            probe.close()
        return port
    raise RuntimeError("No free DNS test port in 5350-5359.")
