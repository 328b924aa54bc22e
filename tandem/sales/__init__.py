"""The sales hub: deals, the product catalog, quotes and playbooks."""
