import pytest
from django.db import transaction

from core.services import reference_next


def test_references_count_up_per_prefix(db):
    assert reference_next(prefix="C") == "C-000001"
    assert reference_next(prefix="C") == "C-000002"
    assert reference_next(prefix="FR") == "FR-000001"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_gives_its_number_back():
    assert reference_next(prefix="IN") == "IN-000001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert reference_next(prefix="IN") == "IN-000002"
        raise RuntimeError("submission failed")
    assert reference_next(prefix="IN") == "IN-000002"
