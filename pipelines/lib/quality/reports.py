"""Delivery reports: JSON for machines, Markdown in French for the partner who sent the files.

A report never repeats a personal value: problems carry line numbers, counts and only examples
of closed formats (codes, dates, booleans), and examples that look like identifiers are masked
by the gate before they get here. Warnings carry counts and line numbers only.
"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pipelines.lib.contract.deliveries import Delivery
from pipelines.lib.contract.rules import RULES, WARNINGS, Notice, Problem
from pipelines.lib.quality.gate import Verdict

SOURCE_LABELS = {
    "ase": "Aide sociale à l'enfance",
    "ml": "Mission Locale",
    "hj": "Habitat Jeunes",
}


def report_dict(verdict: Verdict, check_date: dt.date) -> dict[str, Any]:
    d = verdict.delivery
    return {
        "source": d.source,
        "dept": d.dept,
        "annee": d.annee,
        "producteur": d.producteur,
        "livraison": d.key,
        "date_controle": check_date.isoformat(),
        "statut": verdict.statut,
        "lignes_par_table": verdict.rows,
        "nb_problemes": len(verdict.problems),
        "problemes": [p.as_dict() for p in verdict.problems],
        "nb_avertissements": len(verdict.warnings),
        "avertissements": [n.as_dict() for n in verdict.warnings],
    }


def verdict_from_report(data: dict[str, Any]) -> tuple[Verdict, dt.date]:
    """The verdict a JSON report holds (to rewrite a report after the fact)."""
    delivery = Delivery(
        source=data["source"],
        dept=data["dept"],
        annee=data["annee"],
        producteur=data["producteur"],
        folder=Path(data["source"], data["dept"], str(data["annee"])),
    )
    verdict = Verdict(
        delivery,
        [Problem(**p) for p in data["problemes"]],
        dict(data["lignes_par_table"]),
        [Notice(**n) for n in data.get("avertissements", [])],
    )
    return verdict, dt.date.fromisoformat(data["date_controle"])


def _lines(lignes: list[int], nb: int) -> str:
    if not lignes:
        return "—"
    shown = ", ".join(str(n) for n in lignes)
    return shown if nb <= len(lignes) else f"{shown}… ({nb} au total)"


def report_markdown(verdict: Verdict, check_date: dt.date) -> str:
    d = verdict.delivery
    who = f" — producteur {d.producteur}" if d.producteur else ""
    title = (
        f"# Livraison {SOURCE_LABELS.get(d.source, d.source)} — département {d.dept} — "
        f"année {d.annee}{who}"
    )
    lines = [title, "", f"Contrôlée le {check_date.strftime('%d/%m/%Y')}.", ""]
    if verdict.accepted:
        nb = len(verdict.warnings)
        if nb:
            lines.append(
                f"**Livraison acceptée avec {nb} avertissement(s).** Toutes les règles du contrat "
                "d'échange v1.1 sont respectées ; les avertissements ci-dessous ne bloquent pas "
                "la livraison, mais signalent des données à vérifier."
            )
        else:
            lines.append(
                "**Livraison acceptée.** Toutes les règles du contrat d'échange v1.1 sont "
                "respectées."
            )
        lines.append("")
        lines.append("| table | lignes |")
        lines.append("|---|---|")
        lines.extend(f"| {t} | {n} |" for t, n in sorted(verdict.rows.items()))
        lines.append("")
        lines.extend(_warnings_section(verdict.warnings))
        return "\n".join(lines).rstrip("\n") + "\n"
    lines.append(
        f"**Livraison refusée** : {len(verdict.problems)} problème(s). La livraison est "
        "acceptée ou refusée en entier ; rien de cette livraison n'est pris en compte tant "
        "qu'elle n'est pas corrigée, et la dernière livraison acceptée reste en vigueur. "
        "Corrigez chaque point ci-dessous puis renvoyez l'ensemble des fichiers."
    )
    lines.append("")
    by_file: dict[str, list[Any]] = {}
    for p in verdict.problems:
        by_file.setdefault(p.fichier, []).append(p)
    for fichier, problems in by_file.items():
        lines.append(f"## {fichier}")
        lines.append("")
        lines.append("| règle | colonne | problème | lignes | exemples |")
        lines.append("|---|---|---|---|---|")
        for p in problems:
            examples = ", ".join(f"`{e}`" for e in p.exemples) or "—"
            lines.append(
                f"| `{p.regle}` | {p.colonne or '—'} | {p.message} "
                f"({p.nb} occurrence{'s' if p.nb > 1 else ''}) | {_lines(p.lignes, p.nb)} "
                f"| {examples} |"
            )
        lines.append("")
    lines.append("## Rappel des règles enfreintes")
    lines.append("")
    for code in sorted({p.regle for p in verdict.problems}):
        lines.append(f"- `{code}` : {RULES[code]}")
    lines.append("")
    lines.extend(_warnings_section(verdict.warnings))
    return "\n".join(lines).rstrip("\n") + "\n"


def _warnings_section(warnings: list[Notice]) -> list[str]:
    """The warnings, told apart from the problems: they never refuse a delivery."""
    if not warnings:
        return []
    lines = [
        f"## Avertissements ({len(warnings)})",
        "",
        "Ils ne bloquent pas la livraison ; vérifiez les données concernées.",
        "",
        "| avertissement | fichier | colonne | constat | lignes |",
        "|---|---|---|---|---|",
    ]
    for n in warnings:
        lines.append(
            f"| `{n.code}` | {n.fichier} | {n.colonne or '—'} | {n.message} "
            f"| {_lines(n.lignes, n.nb)} |"
        )
    lines.append("")
    lines.append("Rappel :")
    lines.append("")
    for code in sorted({n.code for n in warnings}):
        lines.append(f"- `{code}` : {WARNINGS[code]}")
    lines.append("")
    return lines


def write_reports(verdict: Verdict, reports_dir: Path, check_date: dt.date) -> tuple[Path, Path]:
    """Write `<reports>/livraisons/<source>_<dept>_<annee>[_<producteur>].json` and `.md`."""
    folder = reports_dir / "livraisons"
    folder.mkdir(parents=True, exist_ok=True)
    stem = verdict.delivery.report_name
    json_path = folder / f"{stem}.json"
    md_path = folder / f"{stem}.md"
    json_path.write_text(
        json.dumps(report_dict(verdict, check_date), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    md_path.write_text(report_markdown(verdict, check_date), encoding="utf-8")
    return json_path, md_path
