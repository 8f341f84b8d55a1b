"""Rendering a report: HTML (self-contained: inline CSS and SVG) and PDF (Typst source from a
Jinja2 template, compiled by the `typst` wheel with fonts it bundles or that matplotlib ships —
no TeX, no browser, nothing downloaded).

Data reaches each language through one escaping function: HTML autoescaping, and Typst string
literals (`"…"`, never markup), so a name holding `*`, `#`, `<` or `"` prints as written.
"""

import re
from functools import cache
from pathlib import Path

import jinja2
import matplotlib
import typst
from markupsafe import Markup

from pipelines.lib.publication.outputs.document import Document

TEMPLATES = Path(__file__).parent / "templates"
MATPLOTLIB_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
TEXT_WIDTH_PT = 493.0  # A4 minus 1.8 cm margins


def typst_string(value: object) -> str:
    """A Typst string literal holding `value` as plain text."""
    text = str(value)
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


_SVG_WIDTH = re.compile(r'<svg[^>]*?\swidth="([\d.]+)pt"')


def svg_width_pt(svg: str) -> float:
    """The natural width of a matplotlib SVG, capped at the text width."""
    found = _SVG_WIDTH.search(svg)
    width = float(found.group(1)) if found else TEXT_WIDTH_PT
    return round(min(width, TEXT_WIDTH_PT), 1)


@cache
def _environment(kind: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=kind == "html",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["typ"] = typst_string
    env.filters["svg_width"] = svg_width_pt
    env.filters["inline_svg"] = lambda svg: Markup(svg)  # generated here by matplotlib
    return env


def html(doc: Document) -> str:
    css = (TEMPLATES / "rapport.css").read_text(encoding="utf-8")
    return _environment("html").get_template("rapport.html.j2").render(doc=doc, css=Markup(css))


def typst_source(doc: Document) -> str:
    return _environment("typst").get_template("rapport.typ.j2").render(doc=doc)


@cache
def _compiler() -> typst.Compiler:
    # Only the fonts typst bundles (Libertinus Serif…) and matplotlib's DejaVu Sans, the charts'
    # font: the same PDF on every machine, whatever fonts it has.
    return typst.Compiler(font_paths=[str(MATPLOTLIB_FONTS)], ignore_system_fonts=True)


def pdf(source: str) -> bytes:
    result = _compiler().compile(input=source.encode("utf-8"), format="pdf")
    assert isinstance(result, bytes)
    return result
