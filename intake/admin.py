from django import forms
from django.contrib import admin

from intake.models import FieldOffice, VoicePrompt
from privacy.attachments import sniff_content_type

# What Twilio's <Play> takes that staff are likely to have.
PROMPT_TYPES = {"audio/mpeg", "audio/wav"}


@admin.register(FieldOffice)
class FieldOfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")


class VoicePromptForm(forms.ModelForm):
    class Meta:
        model = VoicePrompt
        fields = ["language", "step", "audio"]
        help_texts = {"audio": "An MP3 or WAV file of a person saying this prompt in this language."}

    def clean_audio(self):
        audio = self.cleaned_data["audio"]
        if audio and hasattr(audio, "read"):
            audio.seek(0)
            content_type = sniff_content_type(audio.read(8192))
            audio.seek(0)
            if content_type not in PROMPT_TYPES:
                raise forms.ValidationError("Upload an MP3 or WAV file.")
            self.instance.content_type = content_type
        return audio


@admin.register(VoicePrompt)
class VoicePromptAdmin(admin.ModelAdmin):
    """Recorded phone prompts: played instead of Twilio's voice for their language and step."""

    form = VoicePromptForm
    list_display = ("language", "step", "updated_at")
    list_filter = ("language", "step")
