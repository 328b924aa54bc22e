"""Brand colours: the hex spelling we accept and the WCAG 2.x contrast of text on them."""

import re

HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
SHORT_HEX_COLOUR = re.compile(r"^#[0-9a-f]{3}$")
# WCAG 2.x level AA for body text.
AA_NORMAL_TEXT = 4.5


def normalise_hex(value: str) -> str | None:
    """ "#3D4FD1", "3d4fd1" and "#34d" become "#3d4fd1" / "#3344dd"; anything else is None."""
    text = (value or "").strip().lower()
    if text and not text.startswith("#"):
        text = "#" + text
    if SHORT_HEX_COLOUR.match(text):
        text = "#" + "".join(character * 2 for character in text[1:])
    return text if HEX_COLOUR.match(text) else None


def _channel(value: int) -> float:
    scaled = value / 255
    return scaled / 12.92 if scaled <= 0.04045 else ((scaled + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    red, green, blue = (int(hex_colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours, from 1.0 to 21.0."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White or near-black, whichever reads better on `background` (buttons and headers in emails)."""
    return (
        "#ffffff"
        if contrast_ratio(background, "#ffffff") >= contrast_ratio(background, "#17202e")
        else "#17202e"
    )


def contrast_warning(background: str) -> str:
    """A sentence when even the better of white and black text on `background` fails WCAG AA, else ""."""
    text = text_colour_on(background)
    ratio = contrast_ratio(background, text)
    if ratio >= AA_NORMAL_TEXT:
        return ""
    shade = "White" if text == "#ffffff" else "Dark"
    return (
        f"{shade} text on {background} has a contrast of {ratio:.1f}:1, below the 4.5:1 that WCAG AA asks for "
        "body text: buttons and headers in this colour will be hard to read. Choose a darker or lighter shade."
    )
