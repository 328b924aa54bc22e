import pytest
from django.core.cache import cache

from tandem.api import services
from tandem.api.models import ApiScope
from tandem.core.models import Role, Team, User

ALL_SCOPES = list(ApiScope.values)


@pytest.fixture(autouse=True)
def empty_rate_limit_counters(request):
    # Rate-limit counters live in the shared cache, which outlives a test's database transaction. Without
    # Redis that cache is a database table: a test that has no database has no counters to clear.
    uses_database = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_database:
        cache.clear()
    yield
    if uses_database:
        cache.clear()


@pytest.fixture
def team(db):
    return Team.objects.create(name="North")


@pytest.fixture
def other_team(db):
    return Team.objects.create(name="South")


@pytest.fixture
def admin(team):
    return User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN, team=team, first_name="Ada")


@pytest.fixture
def reader(team):
    return User.objects.create_user("reader@example.com", "pw", role=Role.READ_ONLY, team=team)


@pytest.fixture
def seller(team):
    return User.objects.create_user("seller@example.com", "pw", role=Role.SALES, team=team)


def make_token(user, scopes=None, **kwargs) -> str:
    _token, plain = services.create_token(actor=user, name="test", scopes=scopes or ALL_SCOPES, **kwargs)
    return plain


def bearer(plain: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.fixture
def admin_token(admin):
    return make_token(admin)
