"""Extract UI strings from the code and templates and update every catalog.

    python -m webapp.i18n.extract          # update translations/*/LC_MESSAGES/messages.po
    python -m webapp.i18n.extract --check  # exit 1 if a string is missing or untranslated

The source language is English; the English catalog keeps msgstr equal to msgid.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from webapp.i18n.catalogs import po_path
from webapp.settings import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = {
    "webapp": [("**.py", "python")],
    "templates": [("**.html", "jinja2")],
}
OPTIONS = {
    "**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
}


def extract() -> Catalog:
    template = Catalog(project="Samspel", fuzzy=False)
    for folder, methods in METHODS.items():
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, methods, keywords=KEYWORDS, options_map=OPTIONS, comment_tags=("NOTE",)
        ):
            template.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="Samspel")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def problems(template: Catalog, locale: str) -> list[str]:
    catalog = load(locale)
    found = []
    for message in template:
        if not message.id:
            continue
        existing = catalog.get(message.id, context=message.context)
        if existing is None:
            found.append(f"{locale}: missing {message.id!r}")
            continue
        strings = (
            existing.string if isinstance(existing.string, (list, tuple)) else [existing.string]
        )
        if existing.fuzzy or not all(strings):
            found.append(f"{locale}: untranslated {message.id!r}")
    return found


def update(template: Catalog) -> None:
    for locale in SUPPORTED_LOCALES:
        catalog = load(locale)
        catalog.update(template, no_fuzzy_matching=True)
        if locale == "en":
            for message in catalog:
                if message.id and not (
                    message.string if not isinstance(message.string, tuple) else all(message.string)
                ):
                    message.string = message.id
        catalog.obsolete.clear()
        catalog.fuzzy = False
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(
                fh, catalog, width=100, sort_output=False, omit_header=False, include_previous=False
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    template = extract()
    if args.check:
        found = [p for locale in SUPPORTED_LOCALES for p in problems(template, locale)]
        for line in found:
            print(line)
        return 1 if found else 0
    update(template)
    print(f"{len(template)} strings; catalogs updated for {', '.join(SUPPORTED_LOCALES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
