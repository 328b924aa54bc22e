"""Reads a sending domain's SPF, DKIM and DMARC records from DNS and says, in plain words, what is missing and
the record to add.

The resolver asks the system's nameservers, or those of the TANDEM_DNS_NAMESERVERS setting ("192.0.2.53",
"127.0.0.1:5353", "[2001:db8::53]:53"): tests point it at a DNS server they run on loopback. Every DNS
failure (no such domain, a timeout, a refusing server) becomes a finding with a message, never an exception.
"""

from dataclasses import dataclass, field

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings

from tandem.mail import dkim_keys

SPF, DKIM, DMARC = "SPF", "DKIM", "DMARC"


class Level:
    OK = "ok"
    # Worth knowing, nothing broken (DMARC in monitoring mode).
    NOTE = "note"
    # Missing or wrong: receivers may junk or refuse the mail.
    PROBLEM = "problem"
    # DNS did not answer: nothing is known about the record.
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """What one check found, and when something should change, the record to publish."""

    area: str
    level: str
    message: str
    record_name: str = ""
    record_value: str = ""


@dataclass(frozen=True)
class DomainReport:
    domain: str  # as people read it (Unicode)
    ascii_domain: str  # as DNS was asked
    findings: list[Finding] = field(default_factory=list)

    @property
    def all_good(self) -> bool:
        return all(finding.level in (Level.OK, Level.NOTE) for finding in self.findings)


class _LookupFailed(Exception):
    """DNS gave no usable answer: the message says why in plain words."""


def _nameserver(text: str) -> dns.nameserver.Do53Nameserver:
    text = text.strip()
    port = 53
    if text.startswith("["):  # [IPv6]:port
        address, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:])
    elif text.count(":") == 1:  # IPv4:port
        address, _, port_text = text.partition(":")
        port = int(port_text)
    else:
        address = text
    return dns.nameserver.Do53Nameserver(address, port)


def make_resolver() -> dns.resolver.Resolver:
    """A resolver on the configured nameservers (the system's when TANDEM_DNS_NAMESERVERS is empty)."""
    configured = [name for name in getattr(settings, "TANDEM_DNS_NAMESERVERS", []) if name.strip()]
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = [_nameserver(name) for name in configured]
    resolver.lifetime = float(getattr(settings, "TANDEM_DNS_TIMEOUT_SECONDS", 5))
    resolver.timeout = resolver.lifetime
    # No search domains: "_dmarc.example.com" must never be tried as "_dmarc.example.com.corp.local".
    resolver.search = []
    resolver.use_search_by_default = False
    return resolver


def _txt_records(resolver: dns.resolver.Resolver, name: str) -> list[str] | None:
    """The TXT records at `name`, each with its strings joined; None when the name does not exist."""
    try:
        answer = resolver.resolve(name, "TXT", search=False)
    except dns.resolver.NXDOMAIN:
        return None
    except dns.resolver.NoAnswer:
        return []
    except dns.exception.Timeout as error:
        raise _LookupFailed(
            f"The DNS server did not answer about {name} within {resolver.lifetime:g} seconds. "
            "Try again in a minute; if it keeps happening, check this server's DNS settings."
        ) from error
    except dns.resolver.NoNameservers as error:
        raise _LookupFailed(
            f"No DNS server could answer about {name} (they failed or refused the query). "
            "Try again in a minute."
        ) from error
    except dns.exception.DNSException as error:
        raise _LookupFailed(f"DNS could not be asked about {name}: {error}") from error
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def _tags(record: str) -> dict[str, str]:
    """A DKIM or DMARC tag list ("v=DKIM1; k=rsa; p=…") as a dict, names lower-cased, spaces removed."""
    tags = {}
    for part in record.split(";"):
        name, separator, value = part.partition("=")
        if separator:
            tags[name.strip().lower()] = "".join(value.split())
    return tags


def suggested_spf(relay_host: str = "") -> str:
    # Without knowing the relay's own SPF include, the domain's MX hosts are the usual senders; the message
    # asks the reader to add their provider's include.
    return "v=spf1 mx ~all"


def _check_spf(resolver, name: str, domain: str) -> Finding:
    records = _txt_records(resolver, name)
    if records is None:
        return Finding(
            SPF,
            Level.PROBLEM,
            f"The domain {domain} does not exist in DNS. Check the spelling of the sending address, or "
            "register the domain before sending from it.",
        )
    spf = [record for record in records if record.lower() == "v=spf1" or record.lower().startswith("v=spf1 ")]
    if not spf:
        return Finding(
            SPF,
            Level.PROBLEM,
            f"No SPF record: receivers cannot tell which servers may send mail for {domain}. Publish one "
            "TXT record at the domain; add the “include:” your relay or provider documents before “~all”.",
            record_name=name,
            record_value=suggested_spf(),
        )
    if len(spf) > 1:
        return Finding(
            SPF,
            Level.PROBLEM,
            f"There are {len(spf)} SPF records at {domain}; receivers treat more than one as an error and "
            "ignore them all. Merge them into one record.",
            record_name=name,
        )
    terms = spf[0].lower().split()[1:]
    if "+all" in terms or "all" in terms:
        return Finding(
            SPF,
            Level.PROBLEM,
            f"The SPF record ends in “+all”, which lets any server in the world send as {domain}. "
            "Use “~all” (or “-all”) instead.",
            record_name=name,
            record_value=" ".join(term for term in spf[0].split() if term.lower() not in ("+all", "all"))
            + " ~all",
        )
    if not any(term.lstrip("~-?").endswith("all") for term in terms) and not any(
        term.startswith("redirect=") for term in terms
    ):
        return Finding(
            SPF,
            Level.PROBLEM,
            "The SPF record has no “all” at its end, so it does not say what to do with other servers. "
            "Add “~all” at the end.",
            record_name=name,
            record_value=f"{spf[0]} ~all",
        )
    return Finding(SPF, Level.OK, f"SPF is published: “{spf[0]}”.")


def _check_dkim(resolver, domain: str, ascii_domain: str, selector: str, public_key: str) -> Finding:
    if not selector or not public_key:
        return Finding(
            DKIM,
            Level.PROBLEM,
            f"Tandem has no DKIM key for {domain} yet. Generate one, then publish the record it shows.",
        )
    name = f"{selector}._domainkey.{ascii_domain}"
    wanted = dkim_keys.record_value(public_key)
    records = _txt_records(resolver, name) or []
    keys = [_tags(record) for record in records if "p" in _tags(record)]
    if not keys:
        return Finding(
            DKIM,
            Level.PROBLEM,
            f"The DKIM record is not published yet, so receivers cannot check Tandem's signature. Add a TXT "
            f"record named {name}.",
            record_name=name,
            record_value=wanted,
        )
    if not any(tags["p"] == public_key for tags in keys):
        return Finding(
            DKIM,
            Level.PROBLEM,
            f"A DKIM record is published at {name}, but with a different key than Tandem signs with. "
            "Replace its value with the one below.",
            record_name=name,
            record_value=wanted,
        )
    return Finding(DKIM, Level.OK, f"DKIM is published at {name} with Tandem's key.")


def _check_dmarc(resolver, domain: str, ascii_domain: str) -> Finding:
    name = f"_dmarc.{ascii_domain}"
    suggested = f"v=DMARC1; p=none; rua=mailto:dmarc@{ascii_domain}"
    records = _txt_records(resolver, name) or []
    dmarc = [record for record in records if record.replace(" ", "").lower().startswith("v=dmarc1")]
    if not dmarc:
        return Finding(
            DMARC,
            Level.PROBLEM,
            f"No DMARC record: Gmail and Yahoo expect one from bulk senders, and without it receivers do not "
            f"know what to do with mail that fails SPF and DKIM. Add a TXT record named {name}.",
            record_name=name,
            record_value=suggested,
        )
    policy = _tags(dmarc[0]).get("p", "").lower()
    if policy == "none":
        return Finding(
            DMARC,
            Level.NOTE,
            "DMARC is in monitoring mode (p=none): receivers send reports but deliver failing mail anyway. "
            "Once the reports show only your own senders, move to p=quarantine.",
        )
    if policy not in ("quarantine", "reject"):
        return Finding(
            DMARC,
            Level.PROBLEM,
            "The DMARC record has no valid policy (p=none, p=quarantine or p=reject), so receivers ignore it.",
            record_name=name,
            record_value=suggested,
        )
    return Finding(DMARC, Level.OK, f"DMARC is published with the policy p={policy}.")


def check_domain(domain: str, *, selector: str = "", public_key: str = "") -> DomainReport:
    """SPF, DKIM (with Tandem's key for the domain, if any) and DMARC for `domain`, one finding each."""
    ascii_domain = dkim_keys.ascii_domain(domain)
    shown = dkim_keys.unicode_domain(ascii_domain)
    resolver = make_resolver()
    findings = []
    checks = (
        (SPF, lambda: _check_spf(resolver, ascii_domain, shown)),
        (DKIM, lambda: _check_dkim(resolver, shown, ascii_domain, selector, public_key)),
        (DMARC, lambda: _check_dmarc(resolver, shown, ascii_domain)),
    )
    for area, check in checks:
        try:
            findings.append(check())
        except _LookupFailed as error:
            findings.append(Finding(area, Level.ERROR, str(error)))
    return DomainReport(domain=shown, ascii_domain=ascii_domain, findings=findings)
