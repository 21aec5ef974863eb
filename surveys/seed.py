"""The seeded survey, "Body cameras and your community": its shape in body_cameras.json and its
words in one file per language (body_cameras.<language>.json), so each language is translated
on its own. Read by the migration that creates it and by the tests."""

import json
from pathlib import Path

from django.conf import settings

DATA = Path(__file__).resolve().parent / "data"


def seed_definition(name: str = "body_cameras") -> dict:
    """A definition for services.survey_define, every text in every language that has a file."""
    shape = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    words = {}
    for code, _name in settings.LANGUAGES:
        path = DATA / f"{name}.{code}.json"
        if path.exists():
            words[code] = json.loads(path.read_text(encoding="utf-8"))

    def text(*keys) -> dict[str, str]:
        found = {}
        for code, tree in words.items():
            for key in keys:
                tree = tree.get(key, {}) if isinstance(tree, dict) else {}
            if isinstance(tree, str) and tree:
                found[code] = tree
        return found

    questions = []
    for question in shape["questions"]:
        name_ = question["name"]
        questions.append(
            {
                "name": name_,
                "kind": question["kind"],
                "required": question.get("required", False),
                "section": question.get("section", 1),
                "show_if": question.get("show_if"),
                "min_value": question.get("min_value"),
                "max_value": question.get("max_value"),
                "label": text("questions", name_, "label"),
                "hint": text("questions", name_, "hint"),
                "choices": [
                    (value, text("questions", name_, "choices", value)) for value in question.get("choices", [])
                ],
            }
        )
    return {
        "slug": shape["slug"],
        "keyword": shape.get("keyword", ""),
        "title": text("title"),
        "description": text("description"),
        "document": text("document"),
        "sections": {number: text("sections", number) for number in words.get("en", {}).get("sections", {})},
        "questions": questions,
    }
