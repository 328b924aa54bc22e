"""The sales hub: deals (and later the catalog, quotes and playbooks). Imports contacts, mail, brand,
notifications and core; never marketing or service."""
