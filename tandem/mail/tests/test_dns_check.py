"""The domain check against a real DNS server on loopback (tests/dns_server.py)."""

from tandem.mail import dkim_keys
from tandem.mail.dns_check import DKIM, DMARC, SPF, Level, check_domain

PUBLIC_KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 350 + "IDAQAB"


def levels(report) -> dict[str, str]:
    return {finding.area: finding.level for finding in report.findings}


def finding(report, area):
    return next(item for item in report.findings if item.area == area)


def publish_all_good(dns_server, domain="example.com"):
    dns_server.add_txt(domain, "v=spf1 include:_spf.relay.example ~all")
    dns_server.add_txt(domain, "google-site-verification=abc")
    value = dkim_keys.record_value(PUBLIC_KEY)
    dns_server.add_txt(f"tandem2026._domainkey.{domain}", *dkim_keys.split_for_dns(value))
    dns_server.add_txt(f"_dmarc.{domain}", "v=DMARC1; p=quarantine; rua=mailto:d@example.com")


def test_a_domain_with_spf_dkim_split_across_strings_and_dmarc_is_all_good(dns_server):
    publish_all_good(dns_server)

    report = check_domain("example.com", selector="tandem2026", public_key=PUBLIC_KEY)

    assert levels(report) == {SPF: Level.OK, DKIM: Level.OK, DMARC: Level.OK}
    assert report.all_good is True
    assert finding(report, SPF).message == "SPF is published: “v=spf1 include:_spf.relay.example ~all”."


def test_missing_records_say_what_to_add(dns_server):
    given_nothing_published = dns_server

    report = check_domain("example.com", selector="tandem2026", public_key=PUBLIC_KEY)

    assert levels(report) == {SPF: Level.PROBLEM, DKIM: Level.PROBLEM, DMARC: Level.PROBLEM}
    assert (finding(report, SPF).record_name, finding(report, SPF).record_value) == (
        "example.com",
        "v=spf1 mx ~all",
    )
    assert (finding(report, DKIM).record_name, finding(report, DKIM).record_value) == (
        "tandem2026._domainkey.example.com",
        f"v=DKIM1; k=rsa; p={PUBLIC_KEY}",
    )
    assert (finding(report, DMARC).record_name, finding(report, DMARC).record_value) == (
        "_dmarc.example.com",
        "v=DMARC1; p=none; rua=mailto:dmarc@example.com",
    )
    assert given_nothing_published.queries == [
        "example.com",
        "tandem2026._domainkey.example.com",
        "_dmarc.example.com",
    ]


def test_two_spf_records_are_a_problem(dns_server):
    dns_server.add_txt("example.com", "v=spf1 mx ~all")
    dns_server.add_txt("example.com", "v=spf1 include:other.example -all")

    report = check_domain("example.com")

    assert finding(report, SPF).level == Level.PROBLEM
    assert finding(report, SPF).message.startswith("There are 2 SPF records at example.com;")


def test_plus_all_is_a_problem_with_the_fixed_record(dns_server):
    dns_server.add_txt("example.com", "v=spf1 mx +all")

    report = check_domain("example.com")

    assert finding(report, SPF).level == Level.PROBLEM
    assert finding(report, SPF).record_value == "v=spf1 mx ~all"
    assert "lets any server in the world send as example.com" in finding(report, SPF).message


def test_spf_without_all_is_a_problem(dns_server):
    dns_server.add_txt("example.com", "v=spf1 mx")

    report = check_domain("example.com")

    assert (finding(report, SPF).level, finding(report, SPF).record_value) == (
        Level.PROBLEM,
        "v=spf1 mx ~all",
    )


def test_a_dkim_record_with_another_key_is_a_problem(dns_server):
    dns_server.add_txt("tandem2026._domainkey.example.com", "v=DKIM1; k=rsa; p=SOMEOTHERKEY")

    report = check_domain("example.com", selector="tandem2026", public_key=PUBLIC_KEY)

    assert finding(report, DKIM).level == Level.PROBLEM
    assert "with a different key than Tandem signs with" in finding(report, DKIM).message


def test_no_dkim_key_yet_asks_to_generate_one(dns_server):
    report = check_domain("example.com")

    assert finding(report, DKIM).message == (
        "Tandem has no DKIM key for example.com yet. Generate one, then publish the record it shows."
    )
    assert "tandem2026._domainkey.example.com" not in dns_server.queries


def test_dmarc_p_none_is_a_note_not_a_problem(dns_server):
    publish_all_good(dns_server)
    dns_server.txt["_dmarc.example.com"] = [["v=DMARC1; p=none"]]

    report = check_domain("example.com", selector="tandem2026", public_key=PUBLIC_KEY)

    assert finding(report, DMARC).level == Level.NOTE
    assert report.all_good is True


def test_a_domain_that_does_not_exist_says_so(dns_server):
    dns_server.nxdomain.update({"nowhere.example", "_dmarc.nowhere.example"})

    report = check_domain("nowhere.example")

    assert finding(report, SPF).message.startswith("The domain nowhere.example does not exist in DNS.")
    assert finding(report, DMARC).level == Level.PROBLEM


def test_a_server_that_does_not_answer_gives_a_clear_error(dns_server):
    dns_server.silent.update({"slow.example", "_dmarc.slow.example"})

    report = check_domain("slow.example")

    assert finding(report, SPF).level == Level.ERROR
    assert finding(report, SPF).message.startswith(
        "The DNS server did not answer about slow.example within 0.5 seconds."
    )
    assert finding(report, DMARC).level == Level.ERROR


def test_an_idn_domain_is_asked_in_ascii_and_shown_in_unicode(dns_server):
    dns_server.add_txt("xn--bcher-kva.example", "v=spf1 mx -all")

    report = check_domain("bücher.example")

    assert (report.domain, report.ascii_domain) == ("bücher.example", "xn--bcher-kva.example")
    assert finding(report, SPF).level == Level.OK
    assert dns_server.queries[0] == "xn--bcher-kva.example"


def test_a_generated_key_is_2048_bit_rsa_and_its_record_splits_into_255_character_strings():
    pair = dkim_keys.generate_key_pair()

    value = dkim_keys.record_value(pair.public_base64)
    parts = dkim_keys.split_for_dns(value)

    assert pair.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert [len(part) for part in parts] == [255, len(value) - 255]
    assert "".join(parts) == value
    assert dkim_keys.zone_file_value(value) == f'"{parts[0]}" "{parts[1]}"'


def test_a_generated_key_signs_a_message_that_dkimpy_verifies_against_the_published_record():
    import dkim

    pair = dkim_keys.generate_key_pair()
    message = b"From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n"
    signature = dkim.sign(
        message, b"tandem2026", b"example.com", pair.private_pem.encode(), include_headers=[b"from"]
    )

    def dnsfunc(name, timeout=5):
        assert name == b"tandem2026._domainkey.example.com."
        return dkim_keys.record_value(pair.public_base64).encode()

    assert dkim.verify(signature + message, dnsfunc=dnsfunc) is True
