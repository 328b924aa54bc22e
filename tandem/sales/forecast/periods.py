"""Months and quarters: how a period is written ("2026-07", "2026-Q3"), its first and last day, and the
shortcuts the forecast page offers (this month, next quarter…)."""

import datetime
from dataclasses import dataclass

from tandem.sales.forecast.models import PeriodKind


@dataclass(frozen=True)
class Period:
    kind: str  # PeriodKind
    start: datetime.date

    @property
    def end(self) -> datetime.date:
        """The period's last day."""
        return self.following().start - datetime.timedelta(days=1)

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return self.start.strftime("%B %Y")

    def months(self) -> list[datetime.date]:
        """The first day of each month of the period."""
        count = 3 if self.kind == PeriodKind.QUARTER else 1
        return [add_months(self.start, offset) for offset in range(count)]

    def following(self) -> "Period":
        return Period(self.kind, add_months(self.start, 3 if self.kind == PeriodKind.QUARTER else 1))

    def preceding(self) -> "Period":
        return Period(self.kind, add_months(self.start, -3 if self.kind == PeriodKind.QUARTER else -1))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_of(day: datetime.date) -> Period:
    return Period(PeriodKind.MONTH, day.replace(day=1))


def quarter_of(day: datetime.date) -> Period:
    return Period(PeriodKind.QUARTER, datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1))


def parse(text: str) -> Period:
    """Read "2026-07" (a month) or "2026-Q3" (a quarter); ValueError with a sentence otherwise."""
    raw = str(text or "").strip().upper()
    problem = f"“{str(text)[:30]}” is not a period; write a month as 2026-07 or a quarter as 2026-Q3."
    year_text, _, rest = raw.partition("-")
    if not (year_text.isdigit() and len(year_text) == 4 and rest):
        raise ValueError(problem)
    year = int(year_text)
    if not 2000 <= year <= 2100:
        raise ValueError(f"{year} is out of range; choose a year between 2000 and 2100.")
    if rest.startswith("Q") and rest[1:].isdigit() and 1 <= int(rest[1:]) <= 4:
        return Period(PeriodKind.QUARTER, datetime.date(year, (int(rest[1:]) - 1) * 3 + 1, 1))
    if rest.isdigit() and len(rest) <= 2 and 1 <= int(rest) <= 12:
        return Period(PeriodKind.MONTH, datetime.date(year, int(rest), 1))
    raise ValueError(problem)


def of(kind: str, start: datetime.date) -> Period:
    """The period of `kind` that contains `start`."""
    return quarter_of(start) if kind == PeriodKind.QUARTER else month_of(start)


def shortcuts(today: datetime.date) -> list[tuple[str, Period]]:
    """What the forecast page offers first: the periods around today."""
    month, quarter = month_of(today), quarter_of(today)
    return [
        ("This month", month),
        ("Next month", month.following()),
        ("Last month", month.preceding()),
        ("This quarter", quarter),
        ("Next quarter", quarter.following()),
        ("Last quarter", quarter.preceding()),
    ]


def choices_around(today: datetime.date, *, years_back: int = 1, years_ahead: int = 1) -> list[Period]:
    """Every month and quarter from the start of `years_back` years ago to the end of `years_ahead` years
    ahead, quarters first, for the quota form's period menu."""
    first, last = today.year - years_back, today.year + years_ahead
    quarters = [
        Period(PeriodKind.QUARTER, datetime.date(y, m, 1))
        for y in range(first, last + 1)
        for m in (1, 4, 7, 10)
    ]
    months = [
        Period(PeriodKind.MONTH, datetime.date(y, m, 1)) for y in range(first, last + 1) for m in range(1, 13)
    ]
    return quarters + months
