"""The record layer: one declaration per record type, read by every generic page.

    registry.py   RecordType (model, access object type, URL names, fields, filters, sorts, columns,
                  bulk actions, selectors, services, templates, optional properties/timeline support),
                  the registry (register/get/all_types) and the panel registry (register_panel/panels_for)
    fields.py     Field (the field catalogue: label, help, length from the model, widget, display, column,
                  facts, import aliases, export, API name and type, audited, cleaner), Cell/Row rendering,
                  PROPERTY_PREFIX ("property:"), the one spelling of a custom-property key
    query.py      the one query grammar (parse -> ListQuery: filters object, sort, cursor, chips, errors)
    columns.py    list columns (chosen per user, in the session), rows, facts, filter panel controls
    forms.py      the record form, built from the catalogue
    views.py      list, detail, create, edit, delete, restore, trash, bulk, columns, property filter,
                  timeline, note
    urls.py       patterns(record_type): the URL patterns of a type, named "<object_type>_<verb>"
    templates     core/templates/records/ (list.html with a `results` partial, detail, form, trash, trashed)

Adding a record type (a deal, a ticket):
 1. the model: `access_object_type`, `owner` and `team` foreign keys, `created_at`/`updated_at`/`deleted_at`;
    grants for the object type per role, by tandem.core.access.register_object_type from AppConfig.ready();
 2. services: create/update/delete/restore (keyword-only: actor, request, the record under one name) and
    a bulk service taking ids, an action and a value;
 3. selectors: filtered (the queryset of the type's own filters: the list, exports, "all N matching" and
    the API read it through the layer), detail (404 unless visible), trash; optionally list (a ListPage,
    when paging `filtered` and counting it up to 10,000 is not enough: a count from a search index) and page;
 4. a RecordType in the app's records.py (fields, filters, sorts, default columns, bulk actions), registered
    from AppConfig.ready(); panels on other types' pages with registry.register_panel; custom properties by
    `properties_field="properties"` (a JSON column) and a `properties` list on the filters object: the layer
    applies its conditions to what `filtered` returns (RecordType.filtered, list_page; a type's own `list`
    selector gets them as `narrow`); `create`/`update` get `values["properties"]` cleaned by the layer
    (unless `Services(cleans_properties=True)`: they clean under their own row lock);
 5. `*patterns(RECORD_TYPE)` in the app's urls.py.
tandem/core/tests/recordapp/ is a complete example in about 150 lines.
"""
