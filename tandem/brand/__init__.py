"""The brand kit: how the business looks and what it says about itself, read by every message and public page."""
