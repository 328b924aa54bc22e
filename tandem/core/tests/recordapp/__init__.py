"""A third record type, defined only for the tests: a widget with an owner and a team. Its declaration
(records.py) and services are all it has; list, detail, form, trash, bulk and permissions come from the
record layer."""
