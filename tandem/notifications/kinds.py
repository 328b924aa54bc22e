"""The kinds of notification, registered by the app that sends them (from its AppConfig.ready()), so that the
preferences page lists every kind without this app knowing the others."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NotificationKind:
    key: str  # "imports.import_finished"
    label: str  # "An import I started has finished"
    # Whether an email goes out when the user has not chosen (they always get the in-app entry).
    email_by_default: bool = True


_KINDS: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> None:
    """Declare a kind (from the notifying app's ready(); registering a key again replaces it). The label
    reads as the preferences page's line: "An import I started has finished or failed"."""
    _KINDS[kind.key] = kind


def get_kind(key: str) -> NotificationKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)
