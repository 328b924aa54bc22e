"""Template tags of the record layer: `{% url_in record_type "detail" record.pk %}` reverses one of a
record type's pages from its declaration, so generic templates never spell an app's URL names."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def url_in(record_type, verb: str, *args) -> str:
    return reverse(record_type.url_name(verb), args=args)
