"""The catalogs are complete: no page text outside them, no French entry missing or fuzzy."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from common import i18n

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("common", "store_node", "head_office")
FR_PO = i18n.TRANSLATIONS / "fr_CA" / "LC_MESSAGES" / "messages.po"

# Text a person reads that is the same in every language (names, symbols).
SAME_IN_EVERY_LANGUAGE = {"Comptoir", "API", "Mermaid"}
TEXT_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "hx-confirm", "data-confirm", "label")


def extracted() -> dict[str, tuple[str, Path]]:
    """Every message the code and the templates ask for, as pybabel extracts them (babel.cfg)."""
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, tuple[str, Path]] = {}
    for package in PACKAGES:
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map, options_map
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found[msgid] = (package, Path(filename))
    return found


def french_catalog():
    with FR_PO.open("rb") as handle:
        return read_po(handle, locale="fr_CA")


def test_every_message_has_a_french_translation_that_is_not_fuzzy() -> None:
    catalog = french_catalog()
    problems = []
    for msgid, (package, filename) in sorted(extracted().items()):
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r} ({package}/{filename})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            problems.append(f"untranslated: {msgid!r}")
    assert not problems, "\n".join(problems)


def test_french_entries_keep_every_placeholder() -> None:
    catalog = french_catalog()
    errors = [f"{message.id!r}: {errs}" for message, errs in catalog.check()]
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for text in strings:
            if set(placeholder.findall(text)) != wanted:
                errors.append(f"{message.id!r}: placeholders {wanted} vs {text!r}")
    assert not errors, "\n".join(errors)


def literal_text(source: str) -> list[str]:
    """Text a template would show untranslated: words outside tags and in text attributes.

    ``<code>``, ``<kbd>``, ``<script>`` and ``<style>`` hold commands, keys and
    code, not sentences; everything else a person reads must go through ``_``.
    """
    env = Environment(extensions=["jinja2.ext.i18n"])
    source = re.sub(r"{%\s*block body_class\s*%}.*?{%\s*endblock\s*%}", "", source)  # a CSS class
    html = []
    for _lineno, kind, value in env.lex(source):
        # Jinja parts become a placeholder that is neither a word nor markup.
        html.append(value if kind == "data" else ("\x00" if kind.endswith("begin") else ""))
    text = "".join(html)
    text = re.sub(r"<(code|kbd|script|style|pre)\b.*?</\1>", " ", text, flags=re.S | re.I)
    found: list[str] = []
    for tag in re.findall(r"<[^>]*>", text):
        for name, value in re.findall(r'\b([\w-]+)="([^"]*)"', tag):
            if name in TEXT_ATTRIBUTES and re.search(r"[A-Za-zÀ-ÿ]{2,}", value.replace("\x00", " ")):
                found.append(f'{name}="{value}"')
    for chunk in re.split(r"<[^>]*>", text):
        for word in re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]+", chunk):
            if word not in SAME_IN_EVERY_LANGUAGE:
                found.append(chunk.strip())
                break
    return found


def templates() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).glob("**/templates/**/*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_show_no_text_outside_the_catalogs(path: Path) -> None:
    assert literal_text(path.read_text(encoding="utf-8")) == []


def test_the_template_check_finds_untranslated_text() -> None:
    assert literal_text("<p>Hello {{ name }}</p>") == ["Hello \x00"]
    assert literal_text('<input placeholder="Search">') == ['placeholder="Search"']
    assert literal_text("<p>{{ _('Hello') }} <code>comptoir demo</code></p>") == []


def test_money_numbers_and_dates_follow_the_language() -> None:
    assert i18n.money(2168, "fr_CA") == "21,68\xa0$"
    assert i18n.money(2168, "en_CA") == "$21.68"
    assert i18n.money(-123450, "fr_CA") == "-1\xa0234,50\xa0$"
    assert i18n.day("2026-12-02", "fr_CA", "long") == "2 décembre 2026"
    assert i18n.day("2026-12-02", "en_CA", "long") == "December 2, 2026"


def test_a_marked_message_is_english_until_translated() -> None:
    message = i18n._("Only %(qty)s left of %(sku)s.", qty=2, sku="SKU-1")
    assert message == "Only 2 left of SKU-1." and message.msgid == "Only %(qty)s left of %(sku)s."
    french = {"Only %(qty)s left of %(sku)s.": "Plus que %(qty)s de %(sku)s."}
    assert i18n.translate(message, lambda s: french.get(s, s)) == "Plus que 2 de SKU-1."
    assert i18n.translate("Plain text", lambda s: french.get(s, s)) == "Plain text"
    assert i18n.language_code("fr-CA") == "fr" and i18n.language_code("de") is None


def test_catalogs_compile_when_the_mo_file_is_missing(tmp_path: Path) -> None:
    from common.web.i18n import compile_catalogs

    target = tmp_path / "fr_CA" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(FR_PO.read_bytes())
    assert compile_catalogs(tmp_path) == [target / "messages.mo"]
    assert (target / "messages.mo").stat().st_size > 1000
    assert compile_catalogs(tmp_path) == []  # up to date: not written again


def _error_types(trees: list[ast.Module]) -> set[str]:
    """``ComptoirError`` and every class derived from it (in ``common.errors`` or in the code)."""
    from common.errors import ComptoirError

    found = {"ComptoirError"}
    pending = [ComptoirError]
    while pending:
        for sub in pending.pop().__subclasses__():
            found.add(sub.__name__)
            pending.append(sub)
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", None) for b in cls.bases}
            if cls.name not in found and bases & found:
                found.add(cls.name)
                grew = True
    return found


def _built_text(node: ast.AST) -> str | None:
    """Why ``node`` is text that skips the catalogs: an f-string, a literal, text built by
    ``+``, ``%`` or ``.format``. A ``_()`` call (or a variable) is fine."""
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
        return "a literal not marked with _()"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return "text built by + or %"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return "text built by .format"
    if isinstance(node, ast.IfExp):
        return _built_text(node.body) or _built_text(node.orelse)
    return None


def untranslated_messages(sources: dict[str, str]) -> list[str]:
    """Messages a person reads that do not go through the catalogs: the message of an error
    (any ``ComptoirError``, raised or built) and ``flash()`` text."""
    trees = {name: ast.parse(text) for name, text in sources.items()}
    errors = _error_types(list(trees.values()))
    found = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if func not in errors and func != "flash":
                continue
            messages = node.args[:1] + [k.value for k in node.keywords if k.arg == "message"]
            for message in messages:
                why = _built_text(message)
                if why:
                    found.append(f"{name}:{node.lineno}: {func}() gets {why}: {ast.unparse(message)[:80]}")
    return found


def test_every_error_and_flash_message_goes_through_the_catalogs() -> None:
    sources = {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert untranslated_messages(sources) == []


def test_the_message_check_finds_untranslated_text() -> None:
    sample = '''
class Refused(Conflict):
    pass

def view(sku, n):
    raise NotFound(f"No product {sku}.")
    raise Refused("Not now.")
    flash("Saved " + sku)
    raise ValidationFailed(message="{} left".format(n))
    raise Conflict(_("Only %(n)s left.", n=n))
    flash(_("Saved."))
'''
    found = untranslated_messages({"sample.py": sample})
    assert [line.split(":")[1] for line in found] == ["6", "7", "8", "9"]
    assert "an f-string" in found[0] and "Refused()" in found[1]
