"""The record layer: one declaration per record type (registry), its field catalogue (fields), one query
grammar (query), and the generic pages (views, urls, templates in core/templates/records/)."""
