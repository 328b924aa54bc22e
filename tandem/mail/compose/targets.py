"""Records above mail that people write 1:1 email about (a deal): the app that owns one registers a
`ComposeTarget` from its `ready()`, and the compose page serves it like a company's (mail never imports it).
The email goes to one of the record's contacts, is recorded on the contact's and company's timelines like any
1:1 email, and its ledger row is "about" the record (`Message.about_type` = the target's key), which is how the
record's page finds it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from tandem.contacts.models import Contact


@dataclass(frozen=True)
class ComposeTarget:
    key: str  # the URL segment and the ledger's about_type ("deal")
    noun: str  # how the page names it ("deal")
    # (user, pk) -> (the record the user may view, its contacts who may be written to, the one to preselect
    # first). Raises Http404 or PermissionDenied like `access.get_object_or_deny`.
    load: Callable[[Any, int], tuple[Any, list[Contact]]]
    name: Callable[[Any], str]
    url: Callable[[Any], str]


_targets: dict[str, ComposeTarget] = {}


def register_target(target: ComposeTarget) -> None:
    _targets[target.key] = target


def get(key: str) -> ComposeTarget:
    try:
        return _targets[key]
    except KeyError:
        raise Http404("Nothing to write about here.") from None
