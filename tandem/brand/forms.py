"""The brand kit's forms: they shape input for the services, which hold every rule."""

from django import forms

from tandem.brand.fonts import FONT_CHOICES
from tandem.brand.models import BrandKit
from tandem.brand.services import MAX_PILLARS, PILLAR_SENTENCE_LENGTH, PILLAR_TITLE_LENGTH

SOCIAL_FIELDS = ("linkedin_url", "x_url", "facebook_url", "instagram_url", "youtube_url", "website_url")
POSITIONING_FIELDS = ("target_customer", "category", "key_benefit", "main_alternative", "differentiator")
POSITIONING_HELP = {
    "target_customer": "The customer you serve best, and their need: “finance teams at mid-sized retailers who…”",
    "category": "What you are, in the words buyers use: “forecasting software”.",
    "key_benefit": "The one result they get: “turns sales data into a forecast they trust”.",
    "main_alternative": "What they would use otherwise: “spreadsheets”, “a consultant”.",
    "differentiator": "Why you, not the alternative: “update every forecast overnight, untouched by hand”.",
}
PLACEHOLDERS = {
    "linkedin_url": "https://www.linkedin.com/company/…",
    "x_url": "https://x.com/…",
    "facebook_url": "https://www.facebook.com/…",
    "instagram_url": "https://www.instagram.com/…",
    "youtube_url": "https://www.youtube.com/@…",
    "website_url": "https://www.example.com",
}


def _text(name: str, *, textarea: bool = False, **attrs) -> forms.CharField:
    model_field = BrandKit._meta.get_field(name)
    widget_attrs = {"maxlength": str(model_field.max_length), **attrs}
    widget = (
        forms.Textarea(attrs={"rows": 3, **widget_attrs}) if textarea else forms.TextInput(attrs=widget_attrs)
    )
    label = str(model_field.verbose_name)
    return forms.CharField(label=label[:1].upper() + label[1:], required=False, strip=False, widget=widget)


class BrandKitForm(forms.Form):
    """Every field of the kit except the logo (which has its own form), five pillar rows, and the version
    the page was opened on."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"] = _text("name", autocomplete="organization")
        self.fields["tagline"] = _text("tagline")
        for name in ("primary_colour", "accent_colour"):
            self.fields[name] = forms.CharField(
                label="Primary colour" if name == "primary_colour" else "Accent colour",
                required=False,
                widget=forms.TextInput(
                    attrs={
                        "maxlength": "7",
                        "spellcheck": "false",
                        "autocomplete": "off",
                        "data-colour-text": "",
                    }
                ),
                help_text="Buttons and the email header."
                if name == "primary_colour"
                else "Links and highlights.",
            )
        for name, label in (("heading_font", "Heading font"), ("body_font", "Body font")):
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=forms.Select(choices=FONT_CHOICES)
            )
        self.fields["postal_address"] = _text("postal_address", textarea=True, autocomplete="street-address")
        self.fields["postal_address"].help_text = (
            "Shown in every marketing email, as CAN-SPAM and GDPR require; marketing mail cannot go out "
            "without it."
        )
        for name in SOCIAL_FIELDS:
            self.fields[name] = _text(name, type="url", placeholder=PLACEHOLDERS[name], inputmode="url")
        for name in POSITIONING_FIELDS:
            self.fields[name] = _text(name)
            self.fields[name].help_text = POSITIONING_HELP[name]
        for position in range(1, MAX_PILLARS + 1):
            self.fields[f"pillar_{position}_title"] = forms.CharField(
                label=f"Pillar {position}: title",
                required=False,
                widget=forms.TextInput(attrs={"maxlength": str(PILLAR_TITLE_LENGTH)}),
            )
            self.fields[f"pillar_{position}_sentence"] = forms.CharField(
                label=f"Pillar {position}: sentence",
                required=False,
                widget=forms.TextInput(attrs={"maxlength": str(PILLAR_SENTENCE_LENGTH)}),
            )
        if not editable:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_from(kit: BrandKit) -> dict:
        initial = {name: getattr(kit, name) for name in BrandKitForm.model_field_names()}
        for position, pillar in enumerate(kit.pillars, start=1):
            initial[f"pillar_{position}_title"] = pillar.get("title", "")
            initial[f"pillar_{position}_sentence"] = pillar.get("sentence", "")
        initial["version"] = str(kit.version)
        return initial

    @staticmethod
    def model_field_names() -> tuple[str, ...]:
        return (
            "name",
            "tagline",
            "primary_colour",
            "accent_colour",
            "heading_font",
            "body_font",
            "postal_address",
            *SOCIAL_FIELDS,
            *POSITIONING_FIELDS,
        )

    def changes(self) -> dict:
        """The service's `changes`: every model field and the pillars as a list of {title, sentence}."""
        data = self.cleaned_data
        changes = {name: data.get(name, "") for name in self.model_field_names()}
        changes["pillars"] = [
            {
                "title": data.get(f"pillar_{position}_title", ""),
                "sentence": data.get(f"pillar_{position}_sentence", ""),
            }
            for position in range(1, MAX_PILLARS + 1)
        ]
        return changes

    def pillar_rows(self):
        return [
            (position, self[f"pillar_{position}_title"], self[f"pillar_{position}_sentence"])
            for position in range(1, MAX_PILLARS + 1)
        ]

    def add_service_errors(self, error) -> None:
        for name, messages in error.message_dict.items():
            target = name if name in self.fields else None
            if name == "pillars":
                target = None
                messages = [f"Message pillars: {message}" for message in messages]
            for message in messages:
                self.add_error(target, message)


class LogoForm(forms.Form):
    logo = forms.FileField(
        label="Upload a logo",
        help_text="PNG, JPEG, WebP or GIF, at most 5 MB. It is resized to fit 600 × 200 pixels.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
        error_messages={"required": "Choose an image file to upload.", "empty": "The logo file is empty."},
    )
