from django.conf import settings
from django.db import models


class Widget(models.Model):
    """A thing someone owns: the smallest record type (name, colour, owner, team, trash)."""

    access_object_type = "widget"

    class Colour(models.TextChoices):
        RED = "red", "Red"
        BLUE = "blue", "Blue"

    name = models.CharField(max_length=80)
    colour = models.CharField(max_length=10, choices=Colour.choices, default=Colour.RED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Custom properties: the declaration names this column (`properties_field`), the spine does the rest.
    properties = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name
