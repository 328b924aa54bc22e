from django import forms
from django.contrib.contenttypes.models import ContentType

from tandem.core.models import Role, Team, User
from tandem.core.selectors import audit_content_types


class UserCreateForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.READ_ONLY)
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="No team"
    )
    password = forms.CharField(
        label="Initial password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Share it with the person safely; they can change it after logging in.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")


class UserAccessForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        help_text="Contacts and companies this user owns move to the new team.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)


ACTION_CHOICES = [("", "Any action"), ("0", "Created"), ("1", "Updated"), ("2", "Deleted"), ("3", "Access")]


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        label="Actor", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    object_type = forms.ModelChoiceField(
        label="Object type", queryset=ContentType.objects.none(), required=False, empty_label="Any type"
    )
    action = forms.ChoiceField(label="Action", choices=ACTION_CHOICES, required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = User.objects.order_by("first_name", "last_name", "email")
        self.fields["object_type"].queryset = ContentType.objects.filter(
            pk__in=[content_type.pk for content_type in audit_content_types()]
        ).order_by("app_label", "model")
        self.fields["object_type"].label_from_instance = lambda content_type: str(
            content_type.model_class()._meta.verbose_name
            if content_type.model_class()
            else content_type.model
        ).capitalize()
