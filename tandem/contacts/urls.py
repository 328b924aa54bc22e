from django.urls import path

from tandem.contacts.views import companies, contacts, duplicates, properties

app_name = "contacts"
urlpatterns = [
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/bulk/", contacts.contact_bulk, name="contact_bulk"),
    path("contacts/trash/", contacts.contact_trash, name="contact_trash"),
    path("contacts/columns/", contacts.contact_columns, name="contact_columns"),
    path("contacts/property-filter/", contacts.contact_property_filter, name="contact_property_filter"),
    path("contacts/company-options/", contacts.company_options, name="company_options"),
    path("contacts/<int:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/restore/", contacts.contact_restore, name="contact_restore"),
    path("contacts/<int:contact_id>/timeline/", contacts.contact_timeline, name="contact_timeline"),
    path("contacts/<int:contact_id>/notes/", contacts.contact_note, name="contact_note"),
    path("companies/", companies.company_list, name="company_list"),
    path("companies/new/", companies.company_create, name="company_create"),
    path("companies/bulk/", companies.company_bulk, name="company_bulk"),
    path("companies/trash/", companies.company_trash, name="company_trash"),
    path("companies/columns/", companies.company_columns, name="company_columns"),
    path("companies/property-filter/", companies.company_property_filter, name="company_property_filter"),
    path("companies/<int:company_id>/", companies.company_detail, name="company_detail"),
    path("companies/<int:company_id>/edit/", companies.company_edit, name="company_edit"),
    path("companies/<int:company_id>/delete/", companies.company_delete, name="company_delete"),
    path("companies/<int:company_id>/restore/", companies.company_restore, name="company_restore"),
    path("companies/<int:company_id>/timeline/", companies.company_timeline, name="company_timeline"),
    path("companies/<int:company_id>/notes/", companies.company_note, name="company_note"),
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
]
