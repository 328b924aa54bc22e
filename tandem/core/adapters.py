from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Users are invited by an admin; nobody signs themselves up."""

    def is_open_for_signup(self, request) -> bool:
        return False
