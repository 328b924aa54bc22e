"""Quotes: line items on a deal from the catalog, numbered quotes with their PDF, and the buyer's answer."""
