"""The one address check every part of the mail app uses (the ledger, identities, 1:1 recipients).

email-validator refuses the special-use names of RFC 6761, `.test` among them. Outside production
(TANDEM_MAIL_ALLOW_TEST_DOMAINS, on unless TANDEM_ENV=production) `.test` addresses are accepted, since the
demo company and development installs use them (admin@demo.tandem.test); `.localhost`, `.invalid` and the
rest stay refused everywhere."""

from django.conf import settings
from email_validator import ValidatedEmail, validate_email


def validated(address: str) -> ValidatedEmail:
    """`address` checked for syntax only (no DNS lookup), Unicode allowed; EmailNotValidError otherwise."""
    return validate_email(
        address,
        check_deliverability=False,
        allow_smtputf8=True,
        test_environment=settings.TANDEM_MAIL_ALLOW_TEST_DOMAINS,
    )
