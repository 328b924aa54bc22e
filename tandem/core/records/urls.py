"""URL patterns of a record type, generated from its declaration: an app's urls.py adds
`patterns(record_type)` to its own and keeps its namespace, so every URL name stays what it was
(`contacts:contact_detail`, `contacts:company_bulk` ...)."""

from django.urls import URLPattern, path

from tandem.core.records import views
from tandem.core.records.registry import RecordType


def patterns(record_type: RecordType) -> list[URLPattern]:
    prefix = record_type.url_prefix
    names = record_type.url_names
    kind = {"object_type": record_type.object_type}
    result = [
        path(f"{prefix}/", views.list_view, kind, name=names["list"]),
        path(f"{prefix}/new/", views.create_view, kind, name=names["create"]),
        path(f"{prefix}/bulk/", views.bulk_view, kind, name=names["bulk"]),
        path(f"{prefix}/trash/", views.trash_view, kind, name=names["trash"]),
        path(f"{prefix}/columns/", views.columns_view, kind, name=names["columns"]),
        path(f"{prefix}/<int:pk>/", views.detail_view, kind, name=names["detail"]),
        path(f"{prefix}/<int:pk>/edit/", views.edit_view, kind, name=names["edit"]),
        path(f"{prefix}/<int:pk>/delete/", views.delete_view, kind, name=names["delete"]),
        path(f"{prefix}/<int:pk>/restore/", views.restore_view, kind, name=names["restore"]),
    ]
    if record_type.properties is not None:
        result.append(
            path(
                f"{prefix}/property-filter/", views.property_filter_view, kind, name=names["property_filter"]
            )
        )
    if record_type.timeline is not None:
        result += [
            path(f"{prefix}/<int:pk>/timeline/", views.timeline_view, kind, name=names["timeline"]),
            path(f"{prefix}/<int:pk>/notes/", views.note_view, kind, name=names["note"]),
        ]
    return result
