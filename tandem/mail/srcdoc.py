"""An email's HTML part made safe to show in the mailbox's iframe.

The iframe has the `sandbox` attribute without allow-scripts or allow-same-origin: the document runs no script
and has an opaque origin, so it cannot read our cookies or our pages. Its `srcdoc` starts with a
Content-Security-Policy of its own that allows inline styles (mail is styled inline) and images only from
data: URLs and from our own brand kit's logo address (the header of every transactional email shows it), so a
remote image (a tracking pixel) is never fetched by opening a message; links open in a new tab.
"""

from django.conf import settings
from django.urls import reverse

_STYLE = (
    "<style>body{margin:16px;font:14px/1.5 system-ui,sans-serif;color:#17202e;overflow-wrap:anywhere}"
    "img{max-width:100%;height:auto}</style>"
)


def policy() -> str:
    """The frame's Content-Security-Policy. The logo's folder is named with SITE_URL, as the emails name it
    (the frame has an opaque origin, so 'self' would match nothing)."""
    logo_folder = settings.SITE_URL + reverse("brand:logo", args=["x"]).rsplit("/", 1)[0] + "/"
    if not logo_folder.startswith(("https://", "http://")) or any(c in logo_folder for c in "\"'<>; \t\r\n"):
        logo_folder = ""  # a SITE_URL that could not be a source: no logo rather than a broken policy
    images = f"data: {logo_folder}" if logo_folder else "data:"
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src {images}; font-src data:; form-action 'none'"
    )


def sandboxed_html(html: str) -> str:
    """The srcdoc document for `html`: our policy head first, so the mail's own markup comes after it (a
    <meta> the mail adds can only narrow what is allowed, never widen it)."""
    head = (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy()}">'
        f'<meta name="referrer" content="no-referrer"><base target="_blank">{_STYLE}</head><body>'
    )
    return head + html + "</body></html>"
