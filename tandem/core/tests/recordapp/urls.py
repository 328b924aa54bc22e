"""The widget's pages, all generated from its declaration, beside the project's own URLs (named by string:
the test app sits in core and must not import the wiring above it)."""

from django.urls import include, path

from tandem.core.records.urls import patterns
from tandem.core.tests.recordapp.records import WIDGET

urlpatterns = [path("", include("config.urls")), path("", include((patterns(WIDGET), "widgets")))]
