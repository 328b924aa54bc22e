"""The contacts app's pages: contacts, companies, custom properties. Thin views over selectors and services."""
