from django.apps import AppConfig


class BulkJobsConfig(AppConfig):
    """Bulk actions on more records than one request should change, run in the background with progress."""

    name = "tandem.core.bulkjobs"
    label = "bulkjobs"
    verbose_name = "Bulk jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import audit, navigation

        audit.register_object_models("bulkjobs.bulkjob")
        audit.register_event_labels(
            {
                "bulk_job_started": "Bulk change started",
                "bulk_job_cancelled": "Bulk change cancelled",
                "bulk_job_restarted": "Bulk change run again",
            }
        )
        # Navigation contributed to the shell (tandem/core/navigation.py): everyone may see their own.
        navigation.register(
            navigation.NavEntry(
                key="bulk_jobs",
                label="Bulk changes",
                url_name="bulkjobs:bulk_job_list",
                section="settings",
                icon="refresh",
                order=45,
                current=("bulkjobs:",),
            )
        )
