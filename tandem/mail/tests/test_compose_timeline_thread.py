"""The replies threaded under a 1:1 email's timeline entry."""

from datetime import UTC, datetime

from tandem.contacts.models import Contact
from tandem.mail.compose.timeline import thread
from tandem.mail.models import InboundMessage

DANA = Contact(first_name="Dana", last_name="Reyes", email="dana@customer.example")


def _reply(
    number: int, *, text: str, name: str = "Dana Reyes", address: str = "dana@customer.example",
    automatic: bool = False, internal: bool = False,
) -> InboundMessage:  # fmt: skip
    """A reply in Dana's conversation (the contact the email went to), from `address`."""
    return InboundMessage(
        pk=number, from_name=name, from_address=address, text=text, is_auto_reply=automatic, contact=DANA,
        is_internal=internal, received_at=datetime(2026, 3, 2, 9, number, tzinfo=UTC),
    )  # fmt: skip


def test_no_replies_render_nothing():
    assert str(thread([])) == ""


def test_a_reply_shows_its_own_words_without_the_quoted_email(settings):
    # given a reply that quotes the email it answers
    settings.TIME_ZONE = "UTC"
    reply = _reply(5, text="Thanks, <that> works.\n\nOn Monday Sam wrote:\n> here is the quote")

    # when threaded, then the sender, the time and the first words show, escaped and isolated
    assert str(thread([reply])) == (
        '<ul class="timeline-replies" aria-label="Replies"><li class="timeline-reply">'
        '<span class="timeline-reply-heading"><strong><bdi>Dana Reyes</bdi></strong> replied · '
        '<time datetime="2026-03-02T09:05:00+00:00">2 Mar 2026, 09:05</time></span>'
        '<span class="timeline-reply-text"><bdi>Thanks, &lt;that&gt; works.</bdi></span></li></ul>'
    )


def test_only_the_three_latest_replies_show_and_the_rest_are_counted():
    # given five replies, newest first as the loader orders them
    replies = [_reply(number, text=f"Reply {number}") for number in (5, 4, 3, 2, 1)]

    # when threaded
    html = str(thread(replies))

    # then three show and the two earlier ones are counted
    assert html.count('<li class="timeline-reply">') == 3
    assert "Reply 5" in html and "Reply 3" in html and "Reply 2" not in html
    assert html.endswith('<li class="timeline-reply muted">and 2 earlier</li></ul>')


def test_an_automatic_reply_says_so_and_a_long_one_is_cut():
    reply = _reply(1, text="word " * 100, name="Mailer", address="mailer@customer.example", automatic=True)

    html = str(thread([reply]))

    assert "<strong><bdi>Mailer &lt;mailer@customer.example&gt;</bdi></strong> replied automatically" in html
    assert ("word " * 40).strip()[:199] + "…" in html


def test_a_colleague_in_tandem_answering_is_named_and_marked_internal():
    reply = _reply(2, text="I will call her.", name="Rita Moss", address="rita@tandem.example", internal=True)

    html = str(thread([reply]))

    assert "<strong><bdi>Rita Moss &lt;rita@tandem.example&gt;</bdi></strong> replied (internal) · " in html
