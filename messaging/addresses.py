from privacy.crypto import blind_index


def address_normalise(channel: str, address: str) -> str:
    """One spelling per address: whatsapp:+1555... and +1555... name the same phone."""
    address = address.strip()
    if address.lower().startswith("whatsapp:"):
        address = address[len("whatsapp:") :]
    if channel == "email":
        return address.lower()
    return "".join(ch for ch in address if ch.isdigit() or ch == "+")


def address_index(channel: str, address: str) -> str:
    purpose = "email" if channel == "email" else "phone"
    return blind_index(address_normalise(channel, address), purpose=purpose)
