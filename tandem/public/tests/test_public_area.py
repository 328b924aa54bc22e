"""The public area: signed links (entropy, hash-only storage, every way a link stops working), the GET-shows /
POST-acts pattern, no cookie or session, the strict headers, per-IP rate limits and the brand look."""

import base64
import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.brand.models import BrandKit
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.public import pages, registry, services
from tandem.public.middleware import PublicAreaMiddleware, SessionGuard
from tandem.public.models import PublicLink

pytestmark = pytest.mark.django_db

STRICT_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

seen = []


def show(request, link):
    seen.append(("show", request.user.is_authenticated))
    return pages.render(
        request,
        "public/confirm.html",
        {"heading": "Say hello", "lead": "Press the button.", "button": "Say hello", "note": "Or do not."},
    )


def act(request, link):
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=link.target_id)
    user.first_name = user.first_name + "!"
    user.save(update_fields=["first_name"])
    seen.append(("act", request.user.is_authenticated))
    return pages.render(
        request, "public/confirm.html", {"done": True, "done_heading": "Hello said", "done_text": "Thanks."}
    )


def framed_show(request, link):
    return pages.render(
        request,
        "public/confirm.html",
        {"heading": "Framed", "lead": "", "button": "Go"},
        policy=pages.Policy(frame_ancestors=("https://www.example.com",)),
    )


@pytest.fixture(autouse=True)
def purposes():
    seen.clear()
    cache.clear()
    registry.register(registry.Purpose(name="test_hello", label="Say hello", show=show, act=act))
    registry.register(registry.Purpose(name="test_look", label="Only look", show=show))
    registry.register(registry.Purpose(name="test_framed", label="Framed", show=framed_show))
    yield
    for name in ("test_hello", "test_look", "test_framed"):
        registry.unregister(name)
    cache.clear()


def hello_link(**options):
    target = UserFactory(first_name="Ada")
    link, token = services.create_link(purpose="test_hello", target=target, **options)
    return target, link, f"/p/test_hello/{token}/"


def snapshot(link, target):
    link.refresh_from_db()
    target.refresh_from_db()
    return (
        target.first_name,
        link.used_at,
        link.revoked_at,
        link.expires_at,
        PublicLink.objects.count(),
        get_user_model().objects.count(),
    )


# --- links -------------------------------------------------------------------------------------------------


def test_a_token_has_256_random_bits_and_only_its_sha256_is_stored():
    target = UserFactory()

    first, first_token = services.create_link(purpose="test_hello", target=target)
    second, second_token = services.create_link(purpose="test_hello", target=target)

    assert len(base64.urlsafe_b64decode(first_token + "=")) == 32
    assert first_token != second_token
    assert first.token_hash == hashlib.sha256(first_token.encode()).hexdigest()
    stored = PublicLink.objects.filter(pk=first.pk).values().get()
    assert first_token not in [str(value) for value in stored.values()]
    assert (first.purpose, first.target_id, first.single_use, first.expires_at) == (
        "test_hello",
        target.pk,
        False,
        None,
    )


def test_an_unregistered_purpose_is_refused():
    with pytest.raises(ValueError) as raised:
        services.create_link(purpose="no_such_purpose", target=UserFactory())

    assert str(raised.value) == "No public link purpose named 'no_such_purpose' is registered."
    assert PublicLink.objects.count() == 0


def test_resolve_names_each_way_a_link_stops_working():
    target = UserFactory()
    live, live_token = services.create_link(purpose="test_hello", target=target)
    expired, expired_token = services.create_link(
        purpose="test_hello", target=target, expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked, revoked_token = services.create_link(purpose="test_hello", target=target)
    services.revoke_link(link=revoked)
    used, used_token = services.create_link(purpose="test_hello", target=target, single_use=True)
    with transaction.atomic():
        services.spend_link(link=used)

    assert services.resolve(live_token, "test_hello") == live
    with pytest.raises(services.UnknownLink):
        services.resolve("x" + live_token[1:], "test_hello")
    with pytest.raises(services.UnknownLink):
        services.resolve(live_token, "test_look")  # a token works only for its own purpose
    with pytest.raises(services.ExpiredLink):
        services.resolve(expired_token, "test_hello")
    with pytest.raises(services.RevokedLink):
        services.resolve(revoked_token, "test_hello")
    with pytest.raises(services.UsedLink):
        services.resolve(used_token, "test_hello")


def test_revoke_links_withdraws_the_live_links_of_one_purpose_and_target_only():
    target, other = UserFactory(), UserFactory()
    mine, _ = services.create_link(purpose="test_hello", target=target)
    other_purpose, _ = services.create_link(purpose="test_look", target=target)
    other_target, _ = services.create_link(purpose="test_hello", target=other)

    count = services.revoke_links(purpose="test_hello", target=target)

    assert count == 1
    assert [
        PublicLink.objects.get(pk=link.pk).revoked_at is not None
        for link in (mine, other_purpose, other_target)
    ] == [True, False, False]


# --- GET shows, POST acts ----------------------------------------------------------------------------------


def test_get_shows_the_page_and_changes_nothing_but_when_it_was_opened():
    target, link, path = hello_link(single_use=True)
    before = snapshot(link, target)

    response = Client().get(path)

    assert response.status_code == 200
    assert "Say hello" in response.content.decode()
    assert snapshot(link, target) == before
    assert link.last_opened_at is not None
    assert seen == [("show", False)]


def test_post_acts_once_and_a_second_post_finds_the_link_spent():
    target, link, path = hello_link(single_use=True)
    client = Client()

    first = client.post(path)
    second = client.post(path)

    target.refresh_from_db()
    link.refresh_from_db()
    assert (first.status_code, second.status_code) == (200, 410)
    assert "Hello said" in first.content.decode()
    assert "This link was already used" in second.content.decode()
    assert (target.first_name, link.used_at is not None) == ("Ada!", True)
    assert seen == [("act", False)]


def test_a_reusable_link_acts_on_every_post():
    target, _, path = hello_link()

    Client().post(path)
    Client().post(path)

    target.refresh_from_db()
    assert target.first_name == "Ada!!"


@pytest.mark.parametrize(
    ("spoil", "status", "title"),
    [
        ("unknown", 404, "This link does not work"),
        ("expired", 410, "This link has expired"),
        ("revoked", 410, "This link was withdrawn"),
        ("used", 410, "This link was already used"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_that_does_not_work_gets_a_clear_page_and_nothing_happens(spoil, status, title, method):
    target, link, path = hello_link(single_use=True)
    if spoil == "unknown":
        path = "/p/test_hello/" + "A" * 43 + "/"
    elif spoil == "expired":
        PublicLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    elif spoil == "revoked":
        services.revoke_link(link=link)
    else:
        PublicLink.objects.update(used_at=timezone.now())
    before = snapshot(link, target)

    response = getattr(Client(), method)(path)

    assert response.status_code == status
    assert f"<h1>{title}</h1>" in response.content.decode()
    assert snapshot(link, target) == before
    assert seen == []


def test_post_on_a_purpose_without_an_action_and_other_methods_are_refused():
    target = UserFactory()
    _, token = services.create_link(purpose="test_look", target=target)
    _, hello_path = hello_link()[1:]

    post = Client().post(f"/p/test_look/{token}/")
    put = Client().put(hello_path)

    assert (post.status_code, post["Allow"], put.status_code, put["Allow"]) == (
        405,
        "GET, HEAD",
        405,
        "GET, HEAD, POST",
    )
    assert seen == []


def test_a_post_from_another_site_is_refused_and_nothing_happens():
    target, link, path = hello_link(single_use=True)
    before = snapshot(link, target)

    response = Client().post(path, headers={"Origin": "https://evil.example"})

    assert response.status_code == 403
    assert "This form was sent from another site" in response.content.decode()
    assert snapshot(link, target) == before


def test_a_post_from_our_own_page_with_a_null_origin_acts():
    # Referrer-Policy: no-referrer makes browsers send "Origin: null" on our own forms' posts.
    target, _, path = hello_link()

    same_site = Client().post(path, headers={"Origin": "http://testserver"})
    null_origin = Client().post(path, headers={"Origin": "null"})

    target.refresh_from_db()
    assert (same_site.status_code, null_origin.status_code, target.first_name) == (200, 200, "Ada!!")


# --- no session, no cookie, strict headers -----------------------------------------------------------------


def test_a_signed_in_person_is_anonymous_on_public_pages_and_no_response_sets_a_cookie():
    target, _, path = hello_link(single_use=True)
    client = Client()
    client.force_login(UserFactory())
    session_cookie = client.cookies["sessionid"].value

    responses = [
        client.get(path),
        client.post(path),
        client.get("/p/no/such/page/"),
        client.get("/p/brand.css"),
        client.get("/p/test_hello/unknown/"),
    ]

    assert [response.cookies for response in responses] == [{}] * 5
    assert [response.has_header("Set-Cookie") for response in responses] == [False] * 5
    assert seen == [("show", False), ("act", False)]
    assert client.cookies["sessionid"].value == session_cookie
    assert client.get("/").status_code == 200  # still signed in to the app


def test_a_public_page_never_loads_the_session():
    _, _, path = hello_link(single_use=True)
    client = Client()
    client.force_login(UserFactory())

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
        client.post(path)

    assert [query["sql"] for query in queries.captured_queries if "django_session" in query["sql"]] == []
    assert len(queries.captured_queries) > 0  # the capture did see the requests' own queries


def test_an_admin_who_must_still_set_up_two_factor_sees_the_public_page_not_the_set_up(settings):
    settings.TANDEM_REQUIRE_MFA_FOR_ADMINS = True
    _, _, path = hello_link()
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN))

    response = client.get(path)

    assert (response.status_code, seen) == (200, [("show", False)])


def test_a_public_page_that_reads_the_session_fails_loudly_instead_of_reading_it():
    guard = SessionGuard()

    with pytest.raises(RuntimeError) as raised:
        guard.get("_auth_user_id")

    assert str(raised.value) == "Public pages never read or write the session (tandem.public.middleware)."


def test_every_public_response_carries_the_strict_headers():
    _, _, path = hello_link()

    for response in (Client().get(path), Client().get("/p/nothing/here/"), Client().post(path)):
        assert response["Content-Security-Policy"] == STRICT_CSP
        assert (
            response["Referrer-Policy"],
            response["X-Robots-Tag"],
            response["X-Frame-Options"],
            response["Cache-Control"],
        ) == ("no-referrer", "noindex, nofollow", "DENY", "no-store")
        assert "Content-Security-Policy-Report-Only" not in response


def test_a_page_may_allow_named_sites_to_frame_it():
    _, token = services.create_link(purpose="test_framed", target=UserFactory())

    response = Client().get(f"/p/test_framed/{token}/")

    assert response["Content-Security-Policy"] == STRICT_CSP.replace(
        "frame-ancestors 'none'", "frame-ancestors https://www.example.com"
    )
    assert "X-Frame-Options" not in response


def test_a_page_may_let_search_engines_index_it(rf):
    request = rf.get("/p/test_look/x/")
    request.user = None

    response = PublicAreaMiddleware(
        lambda request: pages.render(
            request, "public/error.html", {"title": "T", "message": "M"}, policy=pages.Policy(robots="")
        )
    )(request)

    assert "X-Robots-Tag" not in response
    assert response["Content-Security-Policy"] == STRICT_CSP


def test_a_policy_with_scripts_names_them_and_nothing_else():
    policy = pages.Policy(scripts=("'self'",))

    assert policy.header() == (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


def test_app_pages_keep_the_app_policy():
    client = Client()
    client.force_login(UserFactory())

    response = client.get("/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


def test_a_public_page_has_no_link_into_the_app():
    _, _, path = hello_link()

    html = Client().get(path).content.decode()

    assert 'href="/' not in html.replace('href="/static/', "").replace('href="/p/brand.css', "")
    assert "<script" not in html


# --- rate limits -------------------------------------------------------------------------------------------


def test_past_the_limit_an_ip_gets_a_429_that_says_when_to_retry_and_recovers_next_minute(
    settings, monkeypatch
):
    settings.TANDEM_PUBLIC_RATE_LIMIT = 3
    _, _, path = hello_link()
    now = 1_800_000_020.0  # 20 seconds into a minute
    monkeypatch.setattr("tandem.public.throttle.time.time", lambda: now)
    client = Client()

    statuses = [client.get(path).status_code for _ in range(3)]
    limited = client.get(path)

    assert statuses == [200, 200, 200]
    assert (limited.status_code, limited["Retry-After"]) == (429, "40")
    assert "You can try again in 40 seconds" in limited.content.decode()
    assert limited.has_header("Set-Cookie") is False

    now += 40
    assert client.get(path).status_code == 200


def test_the_limit_counts_per_ip_and_ignores_a_forged_forwarded_for(settings):
    settings.TANDEM_PUBLIC_RATE_LIMIT = 2
    _, _, path = hello_link()
    client = Client()

    first = [client.get(path, headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code for n in range(3)]
    elsewhere = client.get(path, REMOTE_ADDR="192.0.2.7").status_code

    assert first == [200, 200, 429]
    assert elsewhere == 200


def test_behind_a_configured_proxy_the_limit_counts_the_forwarded_client(settings):
    settings.TANDEM_PUBLIC_RATE_LIMIT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _, _, path = hello_link()
    client = Client()

    statuses = [
        client.get(path, headers={"X-Forwarded-For": "198.51.100.1"}).status_code,
        client.get(path, headers={"X-Forwarded-For": "198.51.100.2"}).status_code,
        client.get(path, headers={"X-Forwarded-For": "198.51.100.1"}).status_code,
    ]

    assert statuses == [200, 200, 429]


def test_the_limit_counts_per_purpose_and_guesses_at_unknown_addresses_count_too(settings):
    settings.TANDEM_PUBLIC_RATE_LIMIT = 1
    _, _, path = hello_link()
    _, token = services.create_link(purpose="test_look", target=UserFactory())
    client = Client()

    assert [
        client.get(path).status_code,
        client.get(f"/p/test_look/{token}/").status_code,
        client.get("/p/guess/one/").status_code,
        client.get("/p/guess/two/").status_code,
        client.get(path).status_code,
    ] == [200, 200, 404, 429, 429]


# --- the brand look ----------------------------------------------------------------------------------------


def test_the_brand_look_shows_name_and_address_and_escapes_hostile_values():
    BrandKit.objects.update_or_create(
        pk=1,
        defaults={
            "name": '<script>alert("name")</script>',
            "postal_address": "1 Main St\n<img src=x onerror=alert(1)>",
            "website_url": "javascript:alert(1)",
        },
    )
    _, _, path = hello_link()

    html = Client().get(path).content.decode()

    assert '<span class="public-wordmark">&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;</span>' in html
    assert (
        '<address class="public-address"><span>1 Main St</span><span>&lt;img src=x onerror=alert(1)&gt;</span>'
        in html
    )
    assert "<script" not in html and "<img src=x" not in html and "javascript:" not in html


def test_the_brand_stylesheet_replaces_any_value_that_could_break_out_of_its_rule(monkeypatch):
    def hostile_brand(absolute_base_url):
        return {
            "colours": {"primary": "red;}*{", "text_on_primary": "#fff</style>", "accent": "#13795b"},
            "fonts": {"heading": "x;} body { display: none", "body": "Georgia, serif"},
        }

    monkeypatch.setattr("tandem.public.views.brand_context", hostile_brand)

    css = Client().get("/p/brand.css")

    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert css.content.decode() == (
        ":root {\n"
        "  --public-primary: #3d4fd1;\n"
        "  --public-on-primary: #ffffff;\n"
        "  --public-accent: #13795b;\n"
        "  --public-heading-font: system-ui, sans-serif;\n"
        "  --public-body-font: Georgia, serif;\n"
        "}\n"
    )


def test_the_brand_stylesheet_carries_the_kit_colours():
    BrandKit.objects.update_or_create(
        pk=1, defaults={"primary_colour": "#0f766e", "accent_colour": "#b45309"}
    )

    css = Client().get("/p/brand.css").content.decode()

    assert "  --public-primary: #0f766e;\n" in css
    assert "  --public-on-primary: #ffffff;\n" in css
    assert "  --public-accent: #b45309;\n" in css


@pytest.mark.parametrize("path", ["/p/no/such/page/", "/p/"])
def test_an_unknown_public_address_gets_the_public_404(path):
    response = Client().get(path)

    assert response.status_code == 404
    assert "<h1>This page does not exist</h1>" in response.content.decode()
    assert 'class="public"' in response.content.decode()
