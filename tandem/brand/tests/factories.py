"""Users for the brand tests."""

from tandem.core.models import Role, User

PASSWORD = "a long enough passphrase 42"


def make_user(email: str, role: str = Role.ADMIN) -> User:
    return User.objects.create_user(email, PASSWORD, role=role)


def full_changes(**overrides) -> dict:
    """A complete, valid set of changes, as the settings form sends them."""
    changes = {
        "name": "Northwind Analytics",
        "tagline": "Forecasts you can trust",
        "primary_colour": "#1F3A93",
        "accent_colour": "#0e7c66",
        "heading_font": "georgia",
        "body_font": "helvetica",
        "postal_address": "Northwind Analytics Ltd\r\n12 Harbour Street\r\n\r\nBristol BS1 4XX\r\nUnited Kingdom",
        "linkedin_url": "https://www.linkedin.com/company/northwind",
        "x_url": "https://x.com/northwind",
        "facebook_url": "",
        "instagram_url": "",
        "youtube_url": "https://www.youtube.com/@northwind",
        "website_url": "https://northwind.example",
        "target_customer": "finance teams at mid-sized retailers",
        "category": "forecasting platform",
        "key_benefit": "turns sales data into a forecast they trust",
        "main_alternative": "spreadsheets",
        "differentiator": "update every forecast overnight",
        "pillars": [
            {"title": "Trust", "sentence": "Every number traces back to its source."},
            {"title": "Speed", "sentence": "Forecasts refresh overnight."},
            {"title": "Clarity", "sentence": "One page a board can read."},
            {"title": "", "sentence": ""},
            {"title": "", "sentence": ""},
        ],
    }
    changes.update(overrides)
    return changes
