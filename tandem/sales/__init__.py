"""The sales hub: deals, the product catalog, quotes and playbooks. Imports contacts, mail, brand,
notifications and core; never marketing or service."""
