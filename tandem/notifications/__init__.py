"""Notifications: telling a user that something needs them, in the app and by email, as they prefer."""
