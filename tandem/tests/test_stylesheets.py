"""Our stylesheets are well formed: a block left open (a merge dropped a closing brace) silently moves every
rule after it into that block, e.g. the notification bell's styles into a phone-width media query."""

from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[1] / "static"
STYLESHEETS = sorted(STATIC.rglob("*.css")) + sorted(
    Path(__file__).resolve().parents[1].glob("*/static/**/*.css")
)


def _depth_errors(text: str) -> list[str]:
    """Where braces fail to balance, ignoring comments and strings."""
    errors, depth, line, index = [], 0, 1, 0
    while index < len(text):
        character = text[index]
        if text.startswith("/*", index):
            end = text.find("*/", index + 2)
            end = len(text) if end == -1 else end + 2
            line += text.count("\n", index, end)
            index = end
            continue
        if character in "\"'":
            end = text.find(character, index + 1)
            index = len(text) if end == -1 else end + 1
            continue
        if character == "\n":
            line += 1
        elif character == "{":
            depth += 1
        elif character == "}":
            depth -= 1
            if depth < 0:
                errors.append(f"line {line}: a closing brace without an opening one")
                depth = 0
        index += 1
    if depth:
        errors.append(f"{depth} block(s) left open at the end of the file")
    return errors


@pytest.mark.parametrize("path", sorted(set(STYLESHEETS)), ids=lambda path: path.name)
def test_every_block_of_the_stylesheet_is_closed(path):
    # given one of our stylesheets, when its braces are counted, then every block opened is closed
    assert _depth_errors(path.read_text()) == []


def test_an_unclosed_media_query_is_found():
    # given a media query whose closing brace was lost, then the check names it
    assert _depth_errors("@media (max-width: 900px) {\n  .a { color: red; }\n.b { color: blue; }\n") == [
        "1 block(s) left open at the end of the file"
    ]
