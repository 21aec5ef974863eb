"""The answer lists of a complaint, in the plain words a filer reads. Codes are stable: statistics,
the API and the SMS flow use them."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    SMS = "sms", _("Text message")
    WHATSAPP = "whatsapp", _("WhatsApp")
    VOICE = "voice", _("Phone call")
    EMAIL = "email", _("Email")
    API = "api", _("Partner organization")
    PAPER = "paper", _("Paper form")


class FilerRole(models.TextChoices):
    PERSON_AFFECTED = "person_affected", _("It happened to me")
    FAMILY = "family", _("It happened to someone in my family")
    WITNESS = "witness", _("I saw it happen to someone else")
    ADVOCATE = "advocate", _("I am an advocate or lawyer filing for someone")
    UNKNOWN = "unknown", _("Not said")  # an email: nobody asked


FORM_FILER_ROLES = [(value, label) for value, label in FilerRole.choices if value != FilerRole.UNKNOWN]


class ConsentMethod(models.TextChoices):
    """How an advocate obtained the person's consent to file for them (the API's consent record)."""

    VERBAL = "verbal", _("Spoken, in person or by phone")
    WRITTEN = "written", _("Signed on paper")
    ELECTRONIC = "electronic", _("In writing, by text message, email or an online form")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("I don't know")


class TimeOfDay(models.TextChoices):
    EARLY_MORNING = "early_morning", _("Early morning, before 7 a.m.")
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")
    UNKNOWN = "unknown", _("I don't know")


class PlaceType(models.TextChoices):
    HOME = "home", _("At home or at the door")
    WORKPLACE = "workplace", _("At work")
    STREET = "street", _("On the street or in a car that was stopped")
    COURTHOUSE = "courthouse", _("At a courthouse")
    CHECK_IN = "check_in", _("At an immigration check-in office")
    DETENTION = "detention", _("In a detention center")
    TRANSPORT = "transport", _("While being moved (bus, van, plane)")
    OTHER = "other", pgettext_lazy("place", "Somewhere else")


class Agency(models.TextChoices):
    ICE_ERO = "ice_ero", _("ICE (immigration enforcement, ERO)")
    ICE_HSI = "ice_hsi", _("ICE (investigations, HSI)")
    CBP = "cbp", _("Border Patrol or customs (CBP)")
    LOCAL_WITH_ICE = "local_with_ice", _("Local police working with ICE")
    UNKNOWN = "unknown", _("I don't know")


class Masked(models.TextChoices):
    ALL = "all", _("Yes, all of them")
    SOME = "some", _("Some of them")
    NONE = "none", _("No")
    UNKNOWN = "unknown", _("I don't know")


class MedicalCare(models.TextChoices):
    NOT_NEEDED = "not_needed", _("No one needed a doctor")
    RECEIVED = "received", _("Someone needed care and got it")
    DENIED = "denied", _("Someone needed care and did not get it")
    UNKNOWN = "unknown", _("I don't know")


class Allegation(models.TextChoices):
    EXCESSIVE_FORCE = "excessive_force", _("They used too much force, hurt someone, or used a weapon")
    DISCRIMINATION = "discrimination", _("They treated someone badly because of race, religion or where they are from")
    VERBAL_ABUSE = "verbal_abuse", _("They insulted, threatened or yelled at someone")
    MEDICAL_NEGLECT = "medical_neglect", _("They did not give medical care or did not let someone get it")
    UNLAWFUL_ENTRY = "unlawful_entry", _("They came into a home or searched without permission")
    PROPERTY = "property", _("They broke or took things")
    CHILDREN_FAMILY = "children_family", _("They hurt or scared children, or separated a family")
    LANGUAGE_ACCESS = "language_access", _("They did not give an interpreter or use a language you understand")
    COERCION = "coercion", _("They pushed someone to sign papers")
    LAWYER_ACCESS = "lawyer_access", _("They did not let someone talk to a lawyer")
    SEXUAL_MISCONDUCT = "sexual_misconduct", _("They touched someone sexually or made sexual comments")
    RETALIATION = "retaliation", _("They punished someone for speaking up or for filming")
    BODY_CAMERA = "body_camera", _("They had no body camera, did not turn it on, or covered it")
    NO_IDENTIFICATION = "no_identification", _("They did not say they were immigration officers")
    PRIVACY = "privacy", _("They shared private information or took photos without reason")
    OTHER = "other", _("Something else")


class Want(models.TextChoices):
    INVESTIGATION = "investigation", _("An investigation")
    FOOTAGE = "footage", _("The body camera video")
    PROPERTY = "property", _("Get my things back")
    ON_RECORD = "on_record", _("Just to have it on record")


class UrgentFlag(models.TextChoices):
    MEDICAL = "medical", _("Someone needs medical help now")
    CHILD_SEPARATED = "child_separated", _("A child was separated from their family")
    DETAINED = "detained", _("Someone is in detention now")
    RETALIATION = "retaliation", _("I am afraid they will punish me or my family for speaking up")
    IN_DANGER = "in_danger", _("Someone is hurt or in danger now")  # asked on the phone


# The web form asks about medical help, separation and detention one by one instead.
FORM_URGENT_FLAGS = [(value, label) for value, label in UrgentFlag.choices if value != UrgentFlag.IN_DANGER]


class VoicePromptStep(models.TextChoices):
    """What a recorded phone prompt says (intake/voice.py has the words of each)."""

    MENU = "menu", "menu: to continue in this language, press its key"
    OTHER_LANGUAGE = "other_language", "menu: for another language, press star"
    NAME_LANGUAGE = "name_language", "say the name of your language"
    NOTICE = "notice", "what is recorded and why"
    STORY = "story", "after the tone, tell us what happened"
    NO_SOUND = "no_sound", "we did not hear anything"
    DANGER = "danger", "is anyone hurt or in danger now"
    EMERGENCY = "emergency", "in an emergency, call 911"
    CONTACT = "contact", "may we call or text you back"
    CAMERA = "camera", "did you see a body camera"
    AGAIN = "again", "we did not get that"
    MOVED_ON = "moved_on", "let us go on"
    RECEIPT = "receipt", "your number is"
    RECEIPT_AGAIN = "receipt_again", "again, your number is"
    RECEIPT_SMS = "receipt_sms", "we will also text you the number"
    GOODBYE = "goodbye", "keep the number, goodbye"


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Read by our team")
    IN_REVIEW = "in_review", _("Being reviewed")
    NEEDS_INFO = "needs_info", _("We need more information")
    REFERRED = "referred", _("Sent to an oversight office")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("The investigation found that it happened and was wrong")
    NOT_SUBSTANTIATED = "not_substantiated", _("There was not enough proof to decide")
    UNFOUNDED = "unfounded", _("The investigation found that it did not happen")
    EXONERATED = "exonerated", _("It happened, but the rules allowed it")
    RESOLVED = "resolved", _("The problem was solved")
    WITHDRAWN = "withdrawn", _("You took back the complaint")
    DUPLICATE = "duplicate", _("It was joined with another complaint about the same event")
    NO_JURISDICTION = "no_jurisdiction", _("It was outside what we and our partners can act on")
    UNABLE_TO_CONTACT = "unable_to_contact", _("We could not reach you")


class AgeRange(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    AGE_18_24 = "18_24", _("18 to 24")
    AGE_25_34 = "25_34", _("25 to 34")
    AGE_35_44 = "35_44", _("35 to 44")
    AGE_45_64 = "45_64", _("45 to 64")
    AGE_65 = "65_plus", _("65 or older")
    DECLINED = "declined", _("I prefer not to say")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NONBINARY = "nonbinary", _("Non-binary or another gender")
    DECLINED = "declined", _("I prefer not to say")


class RaceEthnicity(models.TextChoices):
    HISPANIC = "hispanic", _("Hispanic or Latino")
    INDIGENOUS_LATAM = "indigenous_latam", _("Indigenous from Latin America (for example Maya, Mixteco)")
    BLACK = "black", _("Black or African American, African, or Caribbean")
    WHITE = "white", _("White")
    ASIAN = "asian", _("Asian")
    MIDDLE_EASTERN = "middle_eastern", _("Middle Eastern or North African")
    NATIVE_AMERICAN = "native_american", _("American Indian or Alaska Native")
    PACIFIC = "pacific", _("Native Hawaiian or Pacific Islander")
    OTHER = "other", pgettext_lazy("race", "Another group")
    DECLINED = "declined", _("I prefer not to say")


class ContactMethod(models.TextChoices):
    SMS = "sms", _("Text message")
    CALL = "call", _("Phone call")
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Photo")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Sound recording")
    DOCUMENT = "document", _("Document")


US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("GU", "Guam"), ("HI", "Hawaii"), ("ID", "Idaho"),
    ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"),
    ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"),
    ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"),
    ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("MP", "Northern Mariana Islands"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("PR", "Puerto Rico"), ("RI", "Rhode Island"),
    ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"),
    ("VT", "Vermont"), ("VI", "U.S. Virgin Islands"), ("VA", "Virginia"), ("WA", "Washington"),
    ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
]  # fmt: skip
