"""Events the brand app publishes (payloads are ids and numbers only)."""

# The brand kit changed (its fields or its logo). Payload: {"version": int}. Nobody listens yet; a later
# public-page cache or the quote PDFs can drop what they rendered with the old kit.
BRAND_KIT_CHANGED = "brand.kit.changed"
