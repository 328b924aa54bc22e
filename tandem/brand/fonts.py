"""The font stacks a brand kit may choose: stacks every mail client can show without loading a web font
(remote fonts are blocked by most clients and leak the reader's address to the font host)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FontStack:
    key: str
    label: str
    stack: str


FONT_STACKS: tuple[FontStack, ...] = (
    FontStack(
        "system",
        "System sans-serif",
        '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    ),
    FontStack("helvetica", "Helvetica / Arial", '"Helvetica Neue", Helvetica, Arial, sans-serif'),
    FontStack("verdana", "Verdana", "Verdana, Geneva, Tahoma, sans-serif"),
    FontStack(
        "trebuchet", "Trebuchet", '"Trebuchet MS", "Lucida Grande", "Lucida Sans Unicode", Tahoma, sans-serif'
    ),
    FontStack("georgia", "Georgia", 'Georgia, "Times New Roman", Times, serif'),
    FontStack("palatino", "Palatino", '"Palatino Linotype", Palatino, "Book Antiqua", Georgia, serif'),
    FontStack("times", "Times", '"Times New Roman", Times, serif'),
    FontStack("courier", "Courier (monospace)", '"Courier New", Courier, monospace'),
)
FONT_CHOICES = [(font.key, font.label) for font in FONT_STACKS]
DEFAULT_HEADING_FONT = "system"
DEFAULT_BODY_FONT = "system"
_BY_KEY = {font.key: font for font in FONT_STACKS}


def font_stack(key: str) -> str:
    """The CSS font-family value for a key; an unknown key (old data) falls back to the system stack."""
    return _BY_KEY.get(key, _BY_KEY["system"]).stack
