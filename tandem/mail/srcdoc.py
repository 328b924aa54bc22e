"""An email's HTML part made safe to show in the mailbox's iframe.

The iframe has the `sandbox` attribute without allow-scripts or allow-same-origin: the document runs no script
and has an opaque origin, so it cannot read our cookies or our pages. Its `srcdoc` starts with a
Content-Security-Policy of its own that allows inline styles (mail is styled inline) and images only from
data: URLs, so a remote image (a tracking pixel) is never fetched by opening a message; links open in a new tab.
"""

POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'"

_HEAD = (
    '<!doctype html><html><head><meta charset="utf-8">'
    f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
    '<meta name="referrer" content="no-referrer"><base target="_blank">'
    "<style>body{margin:16px;font:14px/1.5 system-ui,sans-serif;color:#17202e;overflow-wrap:anywhere}"
    "img{max-width:100%;height:auto}</style></head><body>"
)


def sandboxed_html(html: str) -> str:
    """The srcdoc document for `html`: our policy head first, so the mail's own markup comes after it (a
    <meta> the mail adds can only narrow what is allowed, never widen it)."""
    return _HEAD + html + "</body></html>"
