from django.db import models

from privacy.models import AuditEvent


def audit_record(
    *,
    actor=None,
    action: str,
    obj: models.Model | None = None,
    reference: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit log. `action` is a namespaced code: complaint.pii_revealed."""
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_ref=reference,
        reason=reason,
        data=data or {},
    )
    event.full_clean()
    event.save()
    return event


def audit_export_record(*, actor, filters: dict, rows: int) -> AuditEvent:
    """An export of the audit log is itself audited, before a single row leaves."""
    return audit_record(actor=actor, action="audit.exported", data={"filters": filters, "rows": rows})
