"""From a subject and body with merge fields to the message a contact receives.

The merge fields are documented in one place, `MERGE_FIELDS`: the dict `merge_context(contact, sender)`
builds has exactly these keys, the template page's picker lists them, and nothing else (no ORM object, no
setting) ever reaches a template (tandem.core.sandbox).
"""

import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.utils.html import escape, format_html, urlize
from django.utils.safestring import SafeString, mark_safe

from tandem.brand.selectors import brand_kit
from tandem.core import sandbox

# group -> (field, label). The picker shows them as {{ group.field }}.
MERGE_FIELDS: dict[str, list[tuple[str, str]]] = {
    "contact": [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("full_name", "Full name"),
        ("email", "Email"),
        ("job_title", "Job title"),
    ],
    "company": [("name", "Company name"), ("domain", "Company domain")],
    "sender": [
        ("first_name", "Your first name"),
        ("full_name", "Your full name"),
        ("email", "Your email"),
        ("signature", "Your signature"),
    ],
    "brand": [("name", "Brand name")],
}

# Line breaks and other control characters in a merge value or a rendered subject: a subject is one header
# line, so "\r\nBcc: x@y" in a contact's first name becomes spaces, never a header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def footer_context() -> dict[str, str]:
    """What the footer of a 1:1 email shows: the business name and postal address from the brand kit (one
    line, as a person's own mail program would add it: a 1:1 email is not dressed as a newsletter). Without a
    name in the kit, the display name of DEFAULT_FROM_EMAIL."""
    kit = brand_kit()
    name = kit.name or parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or "Tandem"
    address = ", ".join(line.strip() for line in kit.postal_address.splitlines() if line.strip())
    return {"name": name, "postal_address": address}


def _full_name(first: str, last: str) -> str:
    return " ".join(part for part in (first, last) if part)


def merge_context(contact, sender, *, signature: str = "") -> dict[str, dict[str, str]]:
    """The values a template may use, as plain strings (see MERGE_FIELDS). `contact` may be None (a preview on
    the templates page): its fields are then empty, so `default` fallbacks show."""
    company = getattr(contact, "company", None) if contact is not None else None
    first_name = (contact.first_name if contact else "") or ""
    last_name = (contact.last_name if contact else "") or ""
    return {
        "contact": {
            "first_name": first_name,
            "last_name": last_name,
            "full_name": _full_name(first_name, last_name),
            "email": (contact.email if contact else "") or "",
            "job_title": (contact.job_title if contact else "") or "",
        },
        "company": {
            "name": company.name if company is not None else "",
            "domain": company.domain if company is not None else "",
        },
        "sender": {
            "first_name": sender.first_name or "",
            "full_name": sender.get_full_name() or sender.email,
            "email": sender.email,
            "signature": signature,
        },
        "brand": {"name": footer_context()["name"]},
    }


def sample_contact_context(sender, *, signature: str = "") -> dict[str, dict[str, str]]:
    """The values of a made-up contact, for previewing a template with no contact at hand."""

    class _Sample:
        first_name, last_name, email, job_title = "Alex", "Example", "alex@example.com", "Head of Operations"

        class company:  # noqa: N801 (a stand-in object, read like the model)
            name, domain = "Example Ltd", "example.com"

    return merge_context(_Sample(), sender, signature=signature)


def one_line(text: str) -> str:
    """A header value: control characters (line breaks first of all) become single spaces."""
    return _CONTROL.sub(" ", text).strip()


def text_to_html(text: str) -> SafeString:
    """Plain text as HTML: escaped, paragraphs at blank lines, line breaks kept, web addresses as links."""
    paragraphs = [
        part.strip("\n") for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if part.strip()
    ]
    pieces = []
    for paragraph in paragraphs:
        # urlize escapes the text around the links it makes; the line breaks are added after it.
        linked = urlize(paragraph, nofollow=True, autoescape=True).replace("\n", "<br>")
        pieces.append(format_html("<p>{}</p>", mark_safe(linked)))  # noqa: S308 (escaped by urlize)
    html = "".join(pieces)
    return mark_safe(html)  # noqa: S308 (built from escaped pieces)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str  # the merged body, before the signature and footer
    text: str  # the text part as sent
    html: str  # the HTML part as sent
    body_html: str  # the merged body as HTML (no styles: a preview inside the app shows it as it is)
    signature: str
    footer: str  # the footer line


def render_message(*, subject: str, body: str, values: dict, signature: str) -> Rendered:
    """Merge `values` into the subject and body (sandbox) and build both parts with signature and footer.
    Raises SandboxError with `field` set to "subject" or "body" on the part that failed."""
    try:
        merged_subject = one_line(sandbox.render(subject, values))
    except sandbox.SandboxError as error:
        error.field = "subject"
        raise
    try:
        merged_body = sandbox.render(body, values).strip()
    except sandbox.SandboxError as error:
        error.field = "body"
        raise
    # A body that places the signature itself ({{ sender.signature }}) does not get it a second time.
    if signature.strip() and signature.strip() in merged_body:
        signature = ""
    footer = footer_context()
    footer_line = " · ".join(part for part in (footer["name"], footer["postal_address"]) if part)
    text = merged_body
    if signature.strip():
        text += "\n\n-- \n" + signature.strip()
    # The same footer line as the HTML part's, so a reader of the plain part also sees who wrote and from where.
    if footer_line:
        text += "\n\n" + footer_line
    body_html = text_to_html(merged_body)
    # Mail clients read inline styles only; the preview inside the app builds its own from the parts.
    html = format_html(
        '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;'
        'line-height:1.5;color:#1f2933">{body}{signature}'
        '<p style="margin-top:24px;font-size:12px;color:#6b7280">{footer}</p></body></html>',
        body=body_html,
        signature=format_html(
            '<p style="color:#4b5563">{}</p>',
            mark_safe(escape(signature.strip()).replace("\n", "<br>")),  # noqa: S308 (escaped)
        )
        if signature.strip()
        else "",
        footer=footer_line,
    )
    return Rendered(
        subject=merged_subject,
        body=merged_body,
        text=text,
        html=str(html),
        body_html=str(body_html),
        signature=signature.strip(),
        footer=footer_line,
    )
