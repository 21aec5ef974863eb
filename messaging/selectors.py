from messaging.addresses import address_index
from messaging.models import OptOut


def is_opted_out(*, channel: str, address: str) -> bool:
    return OptOut.objects.filter(channel=channel, address_index=address_index(channel, address)).exists()
