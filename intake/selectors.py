from intake.models import FieldOffice


def field_offices_for_state(state: str) -> list[FieldOffice]:
    """The offices whose area covers a state: one for most states, several for TX, CA, NY."""
    state = state.strip().upper()
    return [office for office in FieldOffice.objects.filter(is_active=True) if state in office.states]
