"""What every step shares: the constants of the demo company, the config, the context and the plans."""

import bisect
import datetime
import hashlib
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tandem.core.models import Role, Team, User
from tandem.demo.generator.phones import PhoneBook
from tandem.demo.version import GENERATOR_VERSION  # noqa: F401 (re-exported)
from tandem.demo.writer import RowWriter

DEFAULT_SEED = 1729
DEMO_PASSWORD = "tandem-demo"  # noqa: S105 (documented demo password, printed by `manage.py demo`)
DEMO_EMAIL_DOMAIN = "demo.tandem.test"
COMPANY_NAME = "Northwind Analytics"
DAY = 86_400

TEAMS = ("Marketing", "Sales East", "Sales West", "Customer Success")

# (email local part, first name, last name, role, team). The first five are the printed demo logins.
USERS = (
    ("admin", "Ada", "Admin", Role.ADMIN, None),
    ("marketing", "Maya", "Marketer", Role.MARKETING, "Marketing"),
    ("sales", "Sam", "Seller", Role.SALES, "Sales East"),
    ("service", "Sofia", "Support", Role.SERVICE, "Customer Success"),
    ("readonly", "Rory", "Reader", Role.READ_ONLY, "Sales West"),
    ("liam.content", "Liam", "Content", Role.MARKETING, "Marketing"),
    ("ella.east", "Ella", "Eastwood", Role.SALES, "Sales East"),
    ("omar.east", "Omar", "Osei", Role.SALES, "Sales East"),
    ("wes.west", "Wes", "Westbrook", Role.SALES, "Sales West"),
    ("vera.west", "Vera", "Valdez", Role.SALES, "Sales West"),
    ("tom.west", "Tom", "Tanaka", Role.SALES, "Sales West"),
    ("cara.success", "Cara", "Castillo", Role.SERVICE, "Customer Success"),
)
DEMO_LOGINS = tuple(f"{local}@{DEMO_EMAIL_DOMAIN}" for local, *_ in USERS[:5])

# The path every contact walks; `other` branches off from lead (disqualified, competitors, students).
FUNNEL = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")
# Where contacts are today, like a real funnel: many at the top, few at the bottom.
STAGE_WEIGHTS = {
    "subscriber": 22,
    "lead": 34,
    "mql": 13,
    "sql": 8,
    "opportunity": 6,
    "customer": 11,
    "evangelist": 2,
    "other": 4,
}
SCORE_RANGES = {
    "subscriber": (0, 20),
    "lead": (5, 45),
    "mql": (50, 90),
    "sql": (60, 100),
    "opportunity": (60, 120),
    "customer": (40, 110),
    "evangelist": (70, 130),
    "other": (0, 15),
}
LEAD_STATUSES = {
    "lead": ("new", "new", "open", "in_progress", "unqualified", "bad_timing"),
    "mql": ("new", "open", "in_progress", "connected"),
    "sql": ("in_progress", "connected", "connected"),
}

CONTACT_PROPERTIES = (
    ("plan_tier", "Plan tier", "choice", ["Free", "Starter", "Growth", "Enterprise"]),
    ("seats", "Seats", "number", []),
    ("renewal_date", "Renewal date", "date", []),
    (
        "product_interests",
        "Product interests",
        "multi_choice",
        ["Dashboards", "Forecasting", "Data pipelines", "Alerts", "Embedded analytics"],
    ),  # noqa: E501
    ("is_partner", "Partner", "boolean", []),
)
COMPANY_PROPERTIES = (("annual_revenue", "Annual revenue (USD)", "number", []),)

CONSENT_WORDING = "Yes, send me Northwind Analytics news, guides and event invitations. Unsubscribe any time."


@dataclass(frozen=True)
class GeneratorConfig:
    """What to build. Sizes are exact for contacts and companies; `activities` is a budget (about that many
    rows in total); None means each contact's natural history (about 25 activities per contact)."""

    today: datetime.date
    contacts: int = 5000
    companies: int = 800
    activities: int | None = None
    seed: int = DEFAULT_SEED
    chunk_size: int = 5000
    # Commit after every chunk (large seeds: bounded transactions) or load everything in one transaction.
    commit_per_chunk: bool = False


@dataclass(slots=True)
class CompanyPlan:
    id: int
    name: str
    domain: str
    country: str
    owner_id: int | None
    team_id: int | None
    email_style: int
    name_offset: int
    contact_count: int = 0


@dataclass(slots=True)
class ContactPlan:
    """One contact as the generator sees it, handed to every step of `CONTACT_STEPS`."""

    id: int
    index: int
    email: str
    first_name: str
    last_name: str
    company: CompanyPlan | None
    country: str
    stage: str
    owner_id: int | None
    team_id: int | None
    created_at: datetime.datetime
    source: tuple
    # (from stage, to stage, at, actor id), oldest first; the last `to` is `stage`.
    stage_path: list[tuple[str, str, datetime.datetime, int | None]] = field(default_factory=list)
    marketing_consent: str = ""
    suppressed: str = ""


@dataclass
class GeneratorContext:
    config: GeneratorConfig
    writer: RowWriter
    start_at: datetime.datetime
    end_at: datetime.datetime
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    companies: list[CompanyPlan] = field(default_factory=list)
    company_created_seconds: list[int] = field(default_factory=list)
    streams: dict[str, random.Random] = field(default_factory=dict)
    id_offsets: dict[str, int] = field(default_factory=dict)
    contacts_written: int = 0
    # The verified sending identity the reps' 1:1 emails come from (personal_email.py).
    mail_identity_id: int | None = None
    # Each fictional phone number is handed out once (phones.py): chance pairs would swamp the planted ones.
    phones: PhoneBook = field(default_factory=PhoneBook)

    def random(self, name: str) -> random.Random:
        """The step's own random stream, seeded from the config's seed and the step's name."""
        if name not in self.streams:
            digest = hashlib.sha256(f"{self.config.seed}:{name}".encode()).digest()
            self.streams[name] = random.Random(int.from_bytes(digest[:8], "big"))
        return self.streams[name]

    def at(self, seconds: float) -> datetime.datetime:
        """A moment `seconds` after the start of the year of history, to the second."""
        return self.start_at + datetime.timedelta(seconds=int(seconds))

    def users_with(self, role: str, team: str | None = None) -> list[User]:
        return [
            user
            for user in self.users.values()
            if user.role == role and (team is None or (user.team and user.team.name == team))
        ]


def weighted(rng: random.Random, items, weight_at: int = 1, whole: bool = False) -> Callable[[], Any]:
    """A fast picker over weighted tuples drawing from `rng`: returns the first element (or the whole
    tuple), with the weight read at position `weight_at`."""
    values = list(items) if whole else [item[0] for item in items]
    cumulative = list(itertools.accumulate(item[weight_at] for item in items))
    total = cumulative[-1]
    return lambda: values[bisect.bisect_right(cumulative, rng.random() * total)]
