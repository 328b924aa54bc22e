"""bench/results.json: a list of {"name", "value", "unit", "limit", "ratio", "n"}, one entry per measure.
A measure taken on PostgreSQL has `_postgresql` at the end of its name; SQLite, the embedded default, none."""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
ENGINE_SUFFIXES = {"sqlite": "", "postgresql": "_postgresql"}


def for_engine(entry: dict, engine: str) -> dict:
    """`entry` named for the engine it was measured on."""
    return {**entry, "name": entry["name"] + ENGINE_SUFFIXES[engine]}


def save(entries: list[dict]) -> None:
    """Replace the entries with the same names, keep every other benchmark's entries."""
    current = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    names = {entry["name"] for entry in entries}
    merged = [entry for entry in current if entry["name"] not in names] + entries
    merged.sort(key=lambda entry: entry["name"])
    RESULTS.write_text(json.dumps(merged, indent=2) + "\n")


def line(entry: dict) -> str:
    return (
        f"{entry['name']}: {entry['value']:,.1f} {entry['unit']} (limit {entry['limit']:,.1f}, "
        f"ratio {entry['ratio']:.2f}, n={entry['n']:,})"
    )
