from django.urls import path

from tandem.contacts.records import COMPANY, CONTACT
from tandem.contacts.views import duplicates, pickers, properties
from tandem.core.records.urls import patterns

app_name = "contacts"
urlpatterns = [
    # Fixed paths first: "contacts/duplicates/" must not be read as a record id.
    path("contacts/company-options/", pickers.company_options, name="company_options"),
    path("contacts/<int:pk>/stage/", pickers.contact_stage, name="contact_stage"),
    path("settings/properties/", properties.property_list, name="property_list"),
    path("settings/properties/new/", properties.property_create, name="property_create"),
    path("settings/properties/<int:property_id>/edit/", properties.property_edit, name="property_edit"),
    path("settings/properties/<int:property_id>/delete/", properties.property_delete, name="property_delete"),
    path("contacts/duplicates/", duplicates.contact_duplicates, name="contact_duplicates"),
    path(
        "contacts/duplicates/dismiss/", duplicates.contact_duplicate_dismiss, name="contact_duplicate_dismiss"
    ),
    path("contacts/merge/", duplicates.contact_merge, name="contact_merge"),
    path("contacts/merges/<int:merge_id>/undo/", duplicates.contact_merge_undo, name="contact_merge_undo"),
    path("companies/duplicates/", duplicates.company_duplicates, name="company_duplicates"),
    path(
        "companies/duplicates/dismiss/",
        duplicates.company_duplicate_dismiss,
        name="company_duplicate_dismiss",
    ),
    path("companies/merge/", duplicates.company_merge, name="company_merge"),
    path("companies/merges/<int:merge_id>/undo/", duplicates.company_merge_undo, name="company_merge_undo"),
    *patterns(CONTACT),
    *patterns(COMPANY),
]
