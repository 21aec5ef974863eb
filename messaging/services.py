from messaging.addresses import address_index
from messaging.models import OptOut


def opt_out_record(*, channel: str, address: str, keyword: str = "") -> OptOut:
    """Remember that this address asked to stop; recording it twice keeps the first."""
    index = address_index(channel, address)
    opt_out, _created = OptOut.objects.get_or_create(
        channel=channel, address_index=index, defaults={"address": address.strip(), "keyword": keyword[:32]}
    )
    return opt_out


def opt_out_remove(*, channel: str, address: str) -> int:
    deleted, _ = OptOut.objects.filter(channel=channel, address_index=address_index(channel, address)).delete()
    return deleted
