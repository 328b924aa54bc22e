"""Template helpers for the app shell: which navigation entry is current, and stage badge classes."""

from django import template
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from tandem.core import navigation, timeline

register = template.Library()


@register.simple_tag(takes_context=True)
def current_if(context, *prefixes: str) -> str:
    """`aria-current="page"` when the current view's name starts with one of `prefixes` ("contacts:contact")."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = getattr(match, "view_name", "") or ""
    if any(view_name == prefix or view_name.startswith(prefix) for prefix in prefixes):
        return mark_safe('aria-current="page"')  # noqa: S308 (a constant)
    return ""


@register.simple_tag
def url_or_empty(view_name: str, *args) -> str:
    """The URL of `view_name`, or "" while that page does not exist yet (so links can hide themselves)."""
    try:
        return reverse(view_name, args=args or None)
    except NoReverseMatch:
        return ""


@register.filter
def percent_class(value, total) -> str:
    """A width class w0..w100 (steps of 5) for `value` out of `total`; CSP forbids inline widths."""
    try:
        share = 0 if not total else float(value) / float(total)
    except (TypeError, ValueError):
        share = 0
    step = int(round(max(0.0, min(1.0, share)) * 20)) * 5
    if step == 0 and share > 0:
        step = 5
    return f"w{step}"


@register.simple_tag(takes_context=True)
def topbar_items(context) -> str:
    """The controls apps registered for the top bar (core.navigation.register_topbar_item), each rendered
    from its template with the page's context plus its own; an item whose context is None is left out."""
    request = context.get("request")
    if request is None:
        return ""
    parts = []
    for item in navigation.topbar_items():
        extra = item.context(request)
        if extra is None:
            continue
        with context.push(extra):
            parts.append(context.template.engine.get_template(item.template).render(context))
    return mark_safe("".join(parts))  # noqa: S308 (each part is a template rendered with autoescape)


@register.simple_tag
def nav_icon(name: str) -> str:
    """A registered navigation icon as inline SVG (the markup is our own constant, never user input)."""
    markup = navigation.icon_markup(name)
    return mark_safe(  # noqa: S308
        '<svg class="nav-icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"'
        f' stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{markup}</svg>'
    )


@register.simple_tag
def timeline_icon(kind_key: str) -> str:
    """A timeline entry's icon: the shell icon its kind names, in the kind's tone (core.timeline)."""
    kind = timeline.kind_of(kind_key)
    return format_html(
        '<span class="timeline-icon timeline-icon--{}" data-kind="{}" aria-hidden="true">'
        '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"'
        ' stroke-linejoin="round">{}</svg></span>',
        kind.tone,
        kind.key,
        mark_safe(navigation.icon_markup(kind.icon)),  # noqa: S308 (our own constant markup, never user input)
    )


# The sidebar's HTML by what it shows. Every full page draws it (about twenty entries, each an icon tag and
# a few variables: a tenth of the contacts list's render), and a user sees one of a few variants. The
# sections are still computed per request, for this user and page (navigation.sections_for); only their
# HTML is reused. Bounded in case the variants are many.
_sidebars: dict[tuple, str] = {}
SIDEBAR_CACHE_SIZE = 256


@register.simple_tag(takes_context=True)
def sidebar(context) -> str:
    """core/_sidebar.html for the page's sections and the user's role, rendered once per distinct pair."""
    sections = tuple(context.get("nav_sections") or ())
    user = context.get("user")
    role = user.get_role_display() if user is not None and user.is_authenticated else ""
    icons = tuple(navigation.icon_markup(entry.icon) for section in sections for entry in section.entries)
    key = (sections, role, icons, get_language(), get_script_prefix(), get_urlconf())
    html = _sidebars.get(key)
    if html is None:
        if len(_sidebars) >= SIDEBAR_CACHE_SIZE:
            _sidebars.clear()
        template = context.template.engine.get_template("core/_sidebar.html")
        with context.push(nav_sections=sections):
            html = _sidebars[key] = template.render(context)
    return mark_safe(html)  # noqa: S308 (a template rendered with autoescape)
