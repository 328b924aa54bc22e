"""The shell's navigation, contributed by each app (ARCHITECTURE §11): the spine never imports a hub to
link to it.

An app registers its entries in its AppConfig.ready():

    navigation.register_section("sales", "Sales", order=20)       # a hub's own sidebar section
    navigation.register(NavEntry(key="deals", label="Deals", url_name="sales:deal_list", section="sales",
                                 icon="deals", order=10, allowed=can_view_deals, current=("sales:deal",)))
    navigation.register_create(CreateEntry(key="deal", label="Deal", url_name="sales:deal_create", order=30,
                                           allowed=can_create_deals))
    navigation.register_icon("deals", '<path d="…"/>')            # inner SVG markup of a 24×24 icon
    navigation.register_topbar_item(TopbarItem(key="notifications", template="notifications/_bell.html",
                                               context=bell_context, order=10))  # a control in the top bar
    navigation.register_account_entry(AccountEntry(key="notification_preferences", label="Notification emails",
                                                   url_name="notifications:preferences", order=10))

The sidebar shows a section only when at least one of its entries exists (its URL name resolves) and the user
may open it; the topbar's New menu shows only when one of its entries does. Home ("/") is the page the app
that registers `register_home` serves (insights' dashboard), so login and the brand lead to one place.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from tandem.core.models import User


def _everyone(user: "User") -> bool:
    return True


@dataclass(frozen=True)
class NavSection:
    key: str
    label: str  # "" for the untitled first section (Home)
    order: int


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    section: str
    icon: str
    order: int
    allowed: Callable[["User"], bool] = _everyone
    # View-name prefixes that mark this entry as the current page ("contacts:contact" covers the list, the
    # detail and the form); defaults to the URL name itself.
    current: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class CreateEntry:
    """An item of the topbar's New menu."""

    key: str
    label: str
    url_name: str
    order: int
    allowed: Callable[["User"], bool] = _everyone


@dataclass(frozen=True)
class TopbarItem:
    """A control an app puts in the top bar, between the New menu and the account menu (the notifications
    bell). `template` is rendered with the page's context plus what `context(request)` returns; `context`
    returning None leaves the item out for that request. Both run on every full page, so they must be
    cheap (one indexed query at most)."""

    key: str
    template: str
    context: Callable[["HttpRequest"], dict | None]
    order: int


@dataclass(frozen=True)
class AccountEntry:
    """A link of the account menu (the avatar's menu), above the two-factor and password links."""

    key: str
    label: str
    url_name: str
    order: int
    allowed: Callable[["User"], bool] = _everyone


@dataclass(frozen=True)
class ShownEntry:
    """An entry as the sidebar shows it to one user on one page."""

    key: str
    label: str
    url: str
    icon: str
    current: bool


@dataclass(frozen=True)
class ShownSection:
    key: str
    label: str
    entries: tuple[ShownEntry, ...]


_sections: dict[str, NavSection] = {}
_entries: dict[str, NavEntry] = {}
_create_entries: dict[str, CreateEntry] = {}
_icons: dict[str, str] = {}
_topbar_items: dict[str, TopbarItem] = {}
_account_entries: dict[str, AccountEntry] = {}
_home: list[Callable[["HttpRequest"], "HttpResponse"]] = []


def register_section(key: str, label: str, *, order: int) -> None:
    _sections[key] = NavSection(key=key, label=label, order=order)


def register(entry: NavEntry) -> None:
    """Add (or replace, by key: ready() may run twice in tests) one sidebar entry."""
    _entries[entry.key] = entry


def register_create(entry: CreateEntry) -> None:
    _create_entries[entry.key] = entry


def register_topbar_item(item: TopbarItem) -> None:
    """Add (or replace, by key) a control of the top bar."""
    _topbar_items[item.key] = item


def register_account_entry(entry: AccountEntry) -> None:
    """Add (or replace, by key) a link of the account menu."""
    _account_entries[entry.key] = entry


def topbar_items() -> list[TopbarItem]:
    """The top bar's registered controls, in order; the shell renders each (tandem_shell.topbar_items)."""
    return sorted(_topbar_items.values(), key=lambda item: (item.order, item.key))


def register_icon(name: str, svg_inner_markup: str) -> None:
    """A 24×24 stroke icon, as the markup inside <svg> (our own constant, never user input)."""
    _icons[name] = svg_inner_markup


def icon_markup(name: str) -> str:
    return _icons.get(name, '<circle cx="12" cy="12" r="3"/>')


def register_home(view: Callable[["HttpRequest"], "HttpResponse"]) -> None:
    """The view that answers "/" (one app's page, registered in its ready())."""
    _home[:] = [view]


def home_view() -> Callable[["HttpRequest"], "HttpResponse"] | None:
    return _home[0] if _home else None


# Every full page draws the sidebar, the New menu and the account menu: some forty reverse() calls, each a
# walk of the URLconf, for URLs that never change while the process runs. Kept per URLconf and script prefix,
# so a test that swaps ROOT_URLCONF (or a request under another prefix) never reads another's URL.
_urls: dict[tuple[str, str, str], str | None] = {}


def _url_or_none(url_name: str) -> str | None:
    key = (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix(), url_name)
    if key not in _urls:
        try:
            _urls[key] = reverse(url_name)
        except NoReverseMatch:
            _urls[key] = None
    return _urls[key]


def _is_current(entry: NavEntry, view_name: str) -> bool:
    if not view_name:
        return False
    prefixes = entry.current or (entry.url_name,)
    return any(view_name == prefix or view_name.startswith(prefix) for prefix in prefixes)


def sections_for(user: "User", view_name: str = "") -> list[ShownSection]:
    """The sidebar for `user`: sections in order, each with the entries that exist and that they may open;
    a section with none is left out."""
    shown: list[ShownSection] = []
    for section in sorted(_sections.values(), key=lambda item: (item.order, item.key)):
        entries = []
        for entry in sorted(
            (entry for entry in _entries.values() if entry.section == section.key),
            key=lambda item: (item.order, item.key),
        ):
            url = _url_or_none(entry.url_name)
            if url is None or not entry.allowed(user):
                continue
            entries.append(
                ShownEntry(
                    key=entry.key,
                    label=entry.label,
                    url=url,
                    icon=entry.icon,
                    current=_is_current(entry, view_name),
                )
            )
        if entries:
            shown.append(ShownSection(key=section.key, label=section.label, entries=tuple(entries)))
    return shown


def create_entries_for(user: "User") -> list[ShownEntry]:
    """The New menu's items for `user`, in order."""
    shown = []
    for entry in sorted(_create_entries.values(), key=lambda item: (item.order, item.key)):
        url = _url_or_none(entry.url_name)
        if url is not None and entry.allowed(user):
            shown.append(ShownEntry(key=entry.key, label=entry.label, url=url, icon="", current=False))
    return shown


def account_entries_for(user: "User") -> list[ShownEntry]:
    """The account menu's registered links for `user`, in order (those whose page exists)."""
    shown = []
    for entry in sorted(_account_entries.values(), key=lambda item: (item.order, item.key)):
        url = _url_or_none(entry.url_name)
        if url is not None and entry.allowed(user):
            shown.append(ShownEntry(key=entry.key, label=entry.label, url=url, icon="", current=False))
    return shown
