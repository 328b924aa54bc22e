"""Reading one inbound message: threading ids, text from plain or HTML parts, auto-reply signals, excerpts.
Pure functions of the bytes (no server, no database)."""

import pytest

from tandem.mail.inbound import parsing
from tandem.mail.tests.inbound_helpers import mail


def test_the_ancestors_are_in_reply_to_first_then_references_from_the_last():
    # Given a reply naming its parent and a References chain
    raw = mail(in_reply_to="<parent@x>", references="<root@x> <middle@x> <parent@x>")

    # When it is parsed
    parsed = parsing.parse(raw)

    # Then the nearest ancestors come first, each once
    assert parsed.ancestors == ("<parent@x>", "<middle@x>", "<root@x>")
    assert (parsed.in_reply_to, parsed.message_id) == ("<parent@x>", "<reply-1@customer.example>")


def test_an_html_only_message_is_read_as_text_without_markup_or_scripts():
    # Given a message whose only body is HTML with a script, a style and entities
    raw = (
        b"From: Dana <dana@customer.example>\r\nSubject: Hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{color:red}</style></head><body><p>Yes &amp; thanks,<br>Dana</p>"
        b"<script>alert(1)</script><div>Caf\xc3\xa9 <b>Acme</b></div></body></html>"
    )

    # When it is parsed
    parsed = parsing.parse(raw)

    # Then the text holds the words and line breaks only
    assert parsed.text == "Yes & thanks,\nDana\n\nCafé Acme"


def test_a_message_without_a_message_id_gets_a_stable_one_from_its_headers():
    # Given the same message without a Message-ID, twice
    raw = mail(message_id=None)

    # When it is parsed twice
    first, second = parsing.parse(raw), parsing.parse(raw)

    # Then both name it the same
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@no-message-id.invalid>")


@pytest.mark.parametrize(
    ("headers", "subject", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: Your quote", "Auto-Submitted: auto-replied"),
        ({"X-Autoreply": "yes"}, "Re: Your quote", "X-Autoreply: yes"),
        ({"X-Autorespond": "vacation"}, "Re: Your quote", "X-Autorespond: vacation"),
        ({"Precedence": "bulk"}, "Re: Your quote", "Precedence: bulk"),
        ({"Precedence": "auto_reply"}, "Re: Your quote", "Precedence: auto_reply"),
        ({"X-Auto-Response-Suppress": "All"}, "Re: Your quote", "X-Auto-Response-Suppress: All"),
        ({"Return-Path": "<>"}, "Re: Your quote", "Return-Path: <> (no return address)"),
        ({}, "Out of office: Your quote", "Subject: Out of office: Your quote"),
        ({}, "Automatic reply: Your quote", "Subject: Automatic reply: Your quote"),
        ({}, "Abwesenheitsnotiz: Ihr Angebot", "Subject: Abwesenheitsnotiz: Ihr Angebot"),
        ({}, "Réponse automatique : Votre devis", "Subject: Réponse automatique : Votre devis"),
    ],
)
def test_automatic_replies_are_recognised(headers, subject, reason):
    # Given a message with one signal of a machine
    raw = mail(subject=subject, headers=headers)

    # When it is parsed, Then it is automatic, and says why
    assert parsing.parse(raw).auto_reply_reason == reason


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ({"Auto-Submitted": "no"}, "Re: Your quote"),
        ({"Precedence": "first-class"}, "Re: Your quote"),
        ({}, "Re: Out of office on Friday?"),
    ],
)
def test_a_person_writing_is_not_an_automatic_reply(headers, subject):
    assert parsing.parse(mail(subject=subject, headers=headers)).auto_reply_reason == ""


def test_the_excerpt_is_the_first_lines_a_person_wrote():
    text = "Sounds good.\n\nLet's talk Tuesday.\n\nOn Mon, 1 Dec 2026 Sam wrote:\n> here is the quote\n"
    assert parsing.excerpt(text) == "Sounds good.\nLet's talk Tuesday."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "The message is empty."),
        (b"\r\njust a body\r\n", "The message has no headers."),
        (
            b"Subject: no sender\r\n\r\nbody\r\n",
            "The message has no sender address (its From header is missing or unreadable).",
        ),
    ],
)  # fmt: skip
def test_a_message_without_what_attributes_it_is_malformed(raw, reason):
    with pytest.raises(parsing.MalformedMessage) as error:
        parsing.parse(raw)
    assert str(error.value) == reason


def test_the_excerpt_leaves_out_greetings_and_sign_offs():
    text = "Hi Sam,\n\nAppreciate the follow-up.\nWe are waiting on budget approval.\n\nBest,\nEthan"
    assert parsing.excerpt(text) == "Appreciate the follow-up.\nWe are waiting on budget approval.\nEthan"
