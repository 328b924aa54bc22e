from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    """Tasks and the calls, meetings and emails logged by hand, on contacts, companies and deals. Below the
    hubs: the sales hub (and later service) uses it, and it reaches their records through the registry."""

    name = "tandem.engagements"
    label = "engagements"
    verbose_name = "Tasks and activities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Verb
        from tandem.core.models import Role
        from tandem.engagements import records, services
        from tandem.notifications.kinds import NotificationKind, register_kind

        records.register()
        E, T, OWN, N = access.Scope.EVERYTHING, access.Scope.TEAM, access.Scope.OWNED, access.Scope.NONE
        # Tasks follow deals' shape: anyone who works with customers keeps their team's tasks and assigns
        # them; only admins see every team's; read-only sees its own (a manager may assign them one).
        access.register_object_type(
            "task",
            {
                Role.ADMIN: access.grants(E, E, E, E),
                Role.SALES: access.grants(T, E, T, OWN),
                Role.MARKETING: access.grants(T, E, T, OWN),
                Role.SERVICE: access.grants(T, E, T, OWN),
                Role.READ_ONLY: access.grants(OWN, N, N, N),
            },
        )
        # Logging a call, meeting or email on a record one may see: everyone but read-only. What is logged is
        # read with the record it is about (no scope of its own to view).
        access.register_object_type(
            "engagement",
            {
                Role.ADMIN: access.grants(E, E, N, N),
                Role.SALES: access.grants(E, E, N, N),
                Role.MARKETING: access.grants(E, E, N, N),
                Role.SERVICE: access.grants(E, E, N, N),
                Role.READ_ONLY: access.grants(E, N, N, N),
            },
        )
        register_kind(
            NotificationKind(
                key=services.REMINDER_KIND,
                label="A task of mine is due today or overdue",
                email_by_default=True,
            )
        )
        audit.register_event_labels(
            {
                "task_created": "Task created",
                "task_completed": "Task marked done",
                "task_reopened": "Task reopened",
                "task_rescheduled": "Task rescheduled",
                "call_logged": "Call logged",
                "meeting_logged": "Meeting logged",
                "email_logged": "Email logged",
            }
        )
        navigation.register_icon("task", records.TASK_ICON)
        # Top of the sidebar, beside Home: the day's work is where a rep starts (Pipedrive's Activities,
        # HubSpot's Tasks), whichever hub the tasks come from.
        navigation.register(
            navigation.NavEntry(
                key="my_tasks",
                label="My tasks",
                url_name="engagements:task_queue",
                section="main",
                icon="task",
                order=20,
                allowed=lambda user: access.allows(user, "task", Verb.VIEW),
                current=(
                    "engagements:task_queue",
                    "engagements:task_list",
                    "engagements:task_detail",
                    "engagements:task_edit",
                    "engagements:task_create",
                ),
            )
        )
        navigation.register_create(
            navigation.CreateEntry(
                key="task",
                label="Task",
                url_name="engagements:task_create",
                order=25,
                allowed=lambda user: access.allows(user, "task", Verb.CREATE),
            )
        )
