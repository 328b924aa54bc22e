"""Playbooks: objections, answers, battle cards and the answer search."""

from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    """The objection library and battle cards sales reps read while they sell."""

    name = "tandem.sales.playbooks"
    label = "playbooks"
    verbose_name = "Playbooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import E, N, Verb
        from tandem.core.models import Role

        # Everyone reads the playbooks (service and marketing answer buyers too); admins and sales, whose
        # playbooks they are, write them. Marking an answer as used is open to every role that talks to buyers.
        editor, reader = access.grants(E, E, E, E), access.grants(E, N, N, N)
        access.register_object_type(
            "playbook",
            {
                Role.ADMIN: editor,
                Role.SALES: editor,
                Role.MARKETING: reader,
                Role.SERVICE: reader,
                Role.READ_ONLY: reader,
            },
        )
        user_of_answers = access.grants(E, E, N, N)
        access.register_object_type(
            "answer_use",
            {
                Role.ADMIN: user_of_answers,
                Role.SALES: user_of_answers,
                Role.MARKETING: user_of_answers,
                Role.SERVICE: user_of_answers,
                Role.READ_ONLY: reader,
            },
        )
        # The deals and catalog apps register the same section: registering it again replaces it with itself.
        navigation.register_section("sales", "Sales", order=20)
        navigation.register_icon(
            "playbook",
            '<path d="M4 5a2 2 0 0 1 2-2h13v16H6a2 2 0 0 0-2 2z"/><path d="M4 21V5"/><path d="M9 8h6M9 12h4"/>',
        )
        navigation.register_icon(
            "battle_card",
            '<path d="M14.5 17.5 3 6V3h3l11.5 11.5"/><path d="m13 19 6-6M16 16l4 4M19 21l2-2"/>',
        )

        def can_view(user) -> bool:
            return access.allows(user, "playbook", Verb.VIEW)

        navigation.register(
            navigation.NavEntry(
                key="playbooks",
                label="Objections",
                url_name="playbooks:objection_list",
                section="sales",
                icon="playbook",
                order=40,
                allowed=can_view,
                current=("playbooks:objection", "playbooks:search", "playbooks:answer"),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="battle_cards",
                label="Battle cards",
                url_name="playbooks:battle_card_list",
                section="sales",
                icon="battle_card",
                order=45,
                allowed=can_view,
                current=("playbooks:battle_card",),
            )
        )
        audit.register_event_labels(
            {
                "objection_created": "Objection created",
                "objection_updated": "Objection changed",
                "objection_deleted": "Objection deleted",
                "answer_created": "Answer added",
                "answer_updated": "Answer changed",
                "answer_deleted": "Answer deleted",
                "answer_moved": "Answer moved",
                "battle_card_created": "Battle card created",
                "battle_card_updated": "Battle card changed",
                "battle_card_deleted": "Battle card deleted",
                "answer_used": "Answer used",
            }
        )
