"""What the bilans say: one ODPE bilan per department and the regional synthesis, as blocks
(`document.py`) that the HTML and Typst templates render.

Every figure is a published cell (`Row.cell`): a masked one reads « secret », an empty one « — »
(sans objet). Nothing is added up or subtracted here from counts of persons — a sum of the
visible parts would give back a masked one; regional figures are the published regional rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.lib.contract.tables import ACTIVITES_SORTIE, LOGEMENTS_SORTIE, RESSOURCES_SORTIE
from pipelines.lib.publication.outputs import anomalies, charts, libelles
from pipelines.lib.publication.outputs.anomalies import Anomaly
from pipelines.lib.publication.outputs.cartes import contours, map_chart
from pipelines.lib.publication.outputs.cells import (
    NOT_APPLICABLE,
    Cell,
    french_date,
    kind_of,
    short_date,
)
from pipelines.lib.publication.outputs.charts import Point, Range, Series
from pipelines.lib.publication.outputs.document import (
    Bullets,
    Chart,
    Document,
    Heading,
    KeyFigures,
    Paragraph,
    Table,
)
from pipelines.lib.publication.outputs.published import Publication, Row

PROVISIONAL_MARK = " (p)"
BESOINS = ("ressources", "logement", "emploi_formation", "soins", "demarches", "socio_educatif")
ACCOMPAGNEMENT = (
    "nb_jeunes_majeurs_accompagnes",
    "nb_entrees_jeune_majeur",
    "nb_sorties",
    "nb_sorties_seches",
    "nb_retours",
)
ENTRETIENS = (
    "nb_eligibles_entretien_17_ans",
    "nb_entretiens_17_ans",
    "taux_entretien_17_ans",
    "nb_eligibles_entretien_post_sortie",
    "nb_entretiens_post_sortie",
    "taux_entretien_post_sortie",
)
APRES_SORTIE = ("part_sorties_suivies_ml", "part_sorties_hebergees_hj")
SYNTHESE = (
    "nb_sorties",
    "nb_sorties_seches",
    "part_sorties_seches",
    "nb_situation_inconnue",
    "nb_retours",
)
PLACES = (
    "nb_residences",
    "capacite_places",
    "nb_conventions",
    "places_conventionnees",
    "places_conventionnees_cd",
    "places_cjm",
    "places_ex_mna",
    "places_mineurs_proteges",
    "places_ase_tous",
    "places_jeunes_rupture",
    "part_places_cd",
)
COUVERTURE = (
    "nb_missions_locales",
    "nb_residences_hj",
    "capacite_hj",
    "places_financees_cd",
    "nb_jeunes_majeurs_accompagnes",
    "places_cd_pour_100_jeunes_majeurs",
)
CEJ_COUNTS = (
    "nb_sorties",
    "nb_cej_avant_sortie",
    "nb_cej_6_mois",
    "nb_cej_12_mois",
    "nb_sans_cej",
    "nb_recul_insuffisant",
)
CEJ_DELAYS = ("nb_sorties_avec_cej", "delai_p25_jours", "delai_median_jours", "delai_p75_jours")
PARCOURS = ("ML_ET_HJ", "ML_SEUL", "HJ_SEUL", "AUCUN")
POPULATIONS = ("JEUNES_MAJEURS", "SORTIES", "HJ_CONVENTION_CD")
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "tranche_age_sortie": ("18", "19", "20", "21_PLUS"),
    "logement_sortie": LOGEMENTS_SORTIE,
    "activite_sortie": ACTIVITES_SORTIE,
    "ressources_sortie": RESSOURCES_SORTIE,
}
COMPARAISON = (
    ("bilan_odpe", "nb_jeunes_majeurs_accompagnes"),
    ("bilan_odpe", "nb_sorties"),
    ("sorties_ase_synthese", "part_sorties_seches"),
    ("bilan_odpe", "taux_entretien_17_ans"),
    ("bilan_odpe", "part_sorties_suivies_ml"),
    ("bilan_odpe", "part_sorties_hebergees_hj"),
    ("couverture_territoriale", "places_cd_pour_100_jeunes_majeurs"),
)
SHORT = {
    "nb_jeunes_majeurs_accompagnes": "Jeunes majeurs",
    "nb_sorties": "Sorties",
    "part_sorties_seches": "Sorties sèches",
    "taux_entretien_17_ans": "Entretien 17 ans",
    "part_sorties_suivies_ml": "Suivies ML",
    "part_sorties_hebergees_hj": "Hébergées HJ",
    "places_cd_pour_100_jeunes_majeurs": "Places CD / 100 JM",
}


@dataclass
class Context:
    """What every report of one publication shares (read once)."""

    pub: Publication
    found: list[Anomaly] = field(default_factory=list)
    maps: dict[tuple[str, str, str | None], str] = field(default_factory=dict)

    @classmethod
    def of(cls, pub: Publication) -> "Context":
        return cls(pub, anomalies.find(pub))


# --- helpers ---------------------------------------------------------------------------------


def _by_year(rows: Sequence[Row], year_column: str = "annee") -> dict[int, Row]:
    out: dict[int, Row] = {}
    for r in rows:
        y = r.get(year_column)
        if isinstance(y, int):
            out[y] = r
    return out


def _year_header(first: str, years: Sequence[int], provisional: dict[int, bool]) -> list[Cell]:
    return [Cell.label(first)] + [
        Cell(f"{y}{PROVISIONAL_MARK if provisional.get(y) else ''}", numeric=True) for y in years
    ]


def _provisional(rows: dict[int, Row]) -> dict[int, bool]:
    return {y: r.provisional for y, r in rows.items()}


def _missing() -> Cell:
    return Cell(NOT_APPLICABLE, "texte", numeric=True)


def indicator_table(
    rows: dict[int, Row], years: Sequence[int], columns: Sequence[str], caption: str = ""
) -> Table:
    """Indicators in rows, years in columns (the reader follows one indicator over time)."""
    prov = _provisional(rows)
    header = _year_header("Indicateur", years, prov)
    body = []
    for c in columns:
        line = [Cell.label(libelles.column(c))]
        for y in years:
            row = rows.get(y)
            line.append(row.cell(c).mark_provisional(prov.get(y, False)) if row else _missing())
        body.append(line)
    return Table(header, body, caption)


def _points(rows: dict[int, Row], years: Sequence[int], column: str) -> list[Point]:
    return [Point.of(str(y), rows.get(y), column) for y in years]


def _has_any(rows: dict[int, Row], columns: Sequence[str]) -> bool:
    return any(c in r.values for r in rows.values() for c in columns)


def _latest(years: Sequence[int]) -> int | None:
    return max(years) if years else None


def _map(ctx: Context, mart: str, column: str, year: int, highlight: str | None) -> Chart | None:
    """A choropleth of one indicator for the region (cached: the synthesis and the bilans
    share them, only the highlighted department differs)."""
    pub = ctx.pub
    if not pub.has(mart) or column not in pub.columns(mart):
        return None
    cache_key = (mart, column + str(year), highlight)
    if cache_key not in ctx.maps:
        shapes = contours(pub.region)
        values = {
            code: Point.of(name, next(iter(pub.rows(mart, annee=year, dept=code)), None), column)
            for code, name in pub.departments
        }
        title = f"{libelles.column(column)}, {year}"
        ctx.maps[cache_key] = map_chart(title, shapes, values, kind_of(column), highlight)
    caption = (
        f"{libelles.column(column)} par département en {year}"
        + (" (département du bilan entouré)" if highlight else "")
        + ". Hachuré : secret statistique ; gris : sans objet."
    )
    return Chart(ctx.maps[cache_key], caption, "carte")


def _secret_note(pub: Publication) -> Paragraph:
    seuil = pub.seuil or 11
    return Paragraph(
        "Secret statistique. Les effectifs de 1 à "
        f"{seuil - 1} personnes ne sont pas publiés, ni les taux, parts ou délais calculés sur "
        f"moins de {seuil} personnes ; d'autres cases sont masquées pour qu'aucune ne puisse "
        "être recalculée à partir des autres (un total moins les parties visibles). Ces cases "
        "sont notées « secret ». Zéro n'est jamais masqué ; les places, résidences et "
        "conventions ne le sont jamais. « — » signale une valeur sans objet (par exemple une "
        "part sans dénominateur) ou une année non livrée.",
        "note",
    )


PROVISIONAL_NOTE = Paragraph(
    "Valeurs provisoires (p). Pour la dernière année livrée, des entretiens peuvent encore "
    "avoir lieu (jusqu'aux 18 ans, six mois après une sortie), les sorties de moins d'un an "
    "n'ont pas encore le recul nécessaire pour le CEJ et les parcours : ces valeurs changeront "
    "avec la prochaine livraison.",
    "note",
)

DEFINITIONS = Bullets(
    [
        "Jeune majeur accompagné : personne ayant une mesure APJM ou CJM active dans l'année.",
        "Sortie : fin d'une prise en charge (mesures enchaînées à 31 jours près) d'une personne "
        "âgée de 18 ans ou plus le lendemain de la fin ; une fin de prise en charge la veille des "
        "18 ans est une sortie à 18 ans.",
        "Sortie sèche : sortie sans solution de logement ou vers l'hébergement d'urgence, ou sans "
        "aucune ressource. La part est calculée sur les sorties de situation connue.",
        "Retour : prise en charge qui commence à 18, 19 ou 20 ans après une première prise en "
        "charge dans le même département (droit au retour).",
        "Entretien des 17 ans : tenu entre le 17e et le 18e anniversaire, par tout département ; "
        "entretien post-sortie : tenu après une sortie, six mois après en principe.",
        "Besoins du projet pour l'autonomie (décret n° 2022-1125) : part des besoins évalués qui "
        "sont couverts, pour chacun des six domaines.",
        "Délai d'accès au CEJ : jours entre la sortie et le premier contrat d'engagement jeune "
        "signé après les 18 ans et au plus 365 jours après la sortie.",
        "Règle des 15 % : les places réservées par le conseil départemental dans une résidence "
        "Habitat Jeunes ne doivent pas dépasser 15 % de sa capacité, le jour le plus chargé de "
        "l'année.",
    ]
)

LIMITES = Bullets(
    [
        "Les données sont celles que les services ont livrées ; une livraison corrigée remplace la "
        "précédente et peut modifier les chiffres d'une année déjà publiée.",
        "Les jeunes ne signalent pas toujours à une Mission Locale ou à une résidence qu'ils ont "
        "été accompagnés par l'ASE : le rapprochement se fait par une clé pseudonyme commune, "
        "sans jamais connaître leur identité.",
        "Les petits effectifs rendent les évolutions d'une année à l'autre fragiles ; les cases "
        "« secret » ne sont pas des zéros.",
        "L'estimation PDALHPD est une projection : sa fourchette et l'écart mesuré sur les années "
        "passées disent sa précision.",
    ]
)


def _deliveries_table(pub: Publication, dept: str | None) -> Table | None:
    rows = [d for d in pub.deliveries if dept is None or d.dept in (dept, f"{dept}D", f"{dept}M")]
    if not rows:
        return None
    if dept is None:
        grouped: dict[tuple[str, str], list[str]] = {}
        for d in rows:
            grouped.setdefault((d.source, d.annee), []).append(d.acceptee_le)
        body = [
            [
                Cell.label(libelles.code(src)),
                Cell.label(year),
                Cell.label(str(len(dates)), strong=False),
                Cell.label(short_date(max(dates))),
            ]
            for (src, year), dates in sorted(grouped.items())
        ]
        header = ["Source", "Année", "Livraisons", "Dernière acceptée le"]
    else:
        per_year: dict[tuple[str, str], list[str]] = {}
        dates: dict[tuple[str, str], str] = {}
        for d in rows:
            per_year.setdefault((d.source, d.annee), []).append(d.producteur)
            dates[(d.source, d.annee)] = max(dates.get((d.source, d.annee), ""), d.acceptee_le)
        body = [
            [
                Cell.label(libelles.code(src)),
                Cell.label(year),
                Cell.label(", ".join(sorted(p for p in producers if p)) or "—"),
                Cell.label(short_date(dates[(src, year)])),
            ]
            for (src, year), producers in sorted(per_year.items())
        ]
        header = ["Source", "Année", "Producteurs", "Acceptée le"]
    return Table([Cell.label(h) for h in header], body, "Livraisons utilisées")


def _notes(ctx: Context, doc: Document, dept: str | None) -> None:
    pub = ctx.pub
    notes = doc.section("Notes, définitions et sources")
    notes.add(_secret_note(pub), PROVISIONAL_NOTE)
    found = [a for a in ctx.found if dept is None or a.dept == dept]
    notes.add(Heading("Valeurs à vérifier"))
    if found:
        # The same contradiction repeated every year is told once, with its years.
        grouped: dict[tuple[str, str], list[int]] = {}
        for a in found:
            grouped.setdefault((a.dept, a.message), []).extend([a.annee] if a.annee else [])
        items = []
        for (code, message), years in grouped.items():
            where = f"{pub.territory_name(code)} — " if dept is None else ""
            when = ", ".join(str(y) for y in sorted(set(years)))
            items.append(f"{where}{when + ' : ' if when else ''}{message}")
        notes.add(
            Paragraph(
                "Ces valeurs publiées se contredisent ou dépassent ce qui est possible ; elles "
                "sont publiées telles que livrées et signalées aux producteurs pour correction.",
                "alerte",
            ),
            Bullets(items, "alerte"),
        )
    else:
        notes.add(Paragraph("Aucune valeur contradictoire n'a été relevée dans les données."))
    notes.add(Heading("Définitions"), DEFINITIONS)
    notes.add(Heading("Sources"))
    notes.add(
        Paragraph(
            "Exports annuels anonymisés des services de l'aide sociale à l'enfance des conseils "
            "départementaux (ASE), des Missions Locales (ML) et des associations Habitat Jeunes "
            "(HJ), contrôlés avant d'être pris en compte ; données publiées (marts) de "
            f"l'Observatoire des parcours jeunes, publication du {doc.publication_date}. Contours "
            "des départements : Natural Earth (domaine public), codes et noms : COG 2026 (Insee)."
        )
    )
    table = _deliveries_table(pub, dept)
    if table is not None:
        notes.add(table)
    elif pub.deliveries:
        notes.add(
            Paragraph("Aucune livraison acceptée n'est en vigueur pour ce territoire.", "note")
        )
    else:
        notes.add(Paragraph("La liste des livraisons utilisées n'est pas publiée.", "note"))
    notes.add(Heading("Limites"), LIMITES)


# --- the department's bilan ------------------------------------------------------------------


def bilan(ctx: Context, dept: str) -> Document:
    pub = ctx.pub
    name = pub.territory_name(dept)
    region_rows = _by_year(pub.rows("bilan_odpe", dept=pub.region_code))
    rows = _by_year(pub.rows("bilan_odpe", dept=dept))
    years = sorted(rows)
    latest = _latest(years)
    doc = Document(
        title=f"Bilan jeunes majeurs — {name} ({dept})",
        subtitle="Accompagnement vers l'autonomie des jeunes majeurs (décret n° 2022-1125) : "
        "bilan pour l'observatoire départemental de la protection de l'enfance",
        territory=name,
        publication_date=french_date(pub.publication_date),
    )
    intro = doc.section("En bref")
    if latest is None:
        intro.add(
            Paragraph(
                f"Aucune livraison de l'aide sociale à l'enfance n'est publiée pour {name} : "
                "les indicateurs du décret ne peuvent pas être établis.",
                "alerte",
            )
        )
    else:
        row = rows[latest]
        synth = next(iter(pub.rows("sorties_ase_synthese", annee=latest, dept=dept)), None)
        items = [
            ("Jeunes majeurs accompagnés", row.cell("nb_jeunes_majeurs_accompagnes")),
            ("Sorties de l'ASE", row.cell("nb_sorties")),
        ]
        if synth is not None:
            items.append(("Part de sorties sèches", synth.cell("part_sorties_seches")))
        items.append(("Entretiens des 17 ans", row.cell("taux_entretien_17_ans")))
        intro.add(
            Paragraph(
                f"Ce bilan présente, pour {name}, les indicateurs que le décret n° 2022-1125 "
                "demande de présenter chaque année à l'ODPE sur les jeunes majeurs de moins de 21 "
                f"ans, pour les années {years[0]} à {latest}, puis ce que deviennent les jeunes "
                "à la sortie : Mission Locale et contrat d'engagement jeune, Habitat Jeunes, "
                "logement.",
                "intro",
            ),
            KeyFigures(
                [(f"{label} ({latest})", c.mark_provisional(row.provisional)) for label, c in items]
            ),
        )
        if row.provisional:
            intro.add(
                Paragraph(
                    f"Les chiffres de {latest} sont provisoires (p) : ils changeront avec la "
                    "prochaine livraison.",
                    "note",
                )
            )
        _decret_section(ctx, doc, dept, name, rows, region_rows, years)
    _sorties_section(ctx, doc, dept, name)
    _ex_mna_section(ctx, doc, dept)
    _cej_section(ctx, doc, dept)
    _parcours_section(ctx, doc, dept)
    _places_section(ctx, doc, dept, name)
    _pdalhpd_section(ctx, doc, dept)
    _notes(ctx, doc, dept)
    return doc


def _decret_section(
    ctx: Context,
    doc: Document,
    dept: str,
    name: str,
    rows: dict[int, Row],
    region_rows: dict[int, Row],
    years: list[int],
) -> None:
    pub = ctx.pub
    latest = years[-1]
    prov = [rows[y].provisional for y in years]
    s = doc.section("Les indicateurs du décret n° 2022-1125")
    s.add(Heading("Accompagnement des jeunes majeurs"))
    s.add(indicator_table(rows, years, [c for c in ACCOMPAGNEMENT if _has_any(rows, [c])]))
    s.add(
        Chart(
            charts.line_chart(
                "Jeunes majeurs accompagnés, entrées et sorties",
                [str(y) for y in years],
                [
                    Series(libelles.column(c), _points(rows, years, c))
                    for c in (
                        "nb_jeunes_majeurs_accompagnes",
                        "nb_entrees_jeune_majeur",
                        "nb_sorties",
                    )
                ],
                provisional=prov,
            ),
            f"Évolution, {name}. Points creux : valeurs provisoires.",
        )
    )
    s.add(Heading("Entretiens"))
    s.add(indicator_table(rows, years, [c for c in ENTRETIENS if _has_any(rows, [c])]))
    series = [
        Series(f"{libelles.column(c)}", _points(rows, years, c))
        for c in ("taux_entretien_17_ans", "taux_entretien_post_sortie")
    ]
    if region_rows:
        series.append(
            Series(
                f"Région : {libelles.column('taux_entretien_17_ans').lower()}",
                _points(region_rows, years, "taux_entretien_17_ans"),
            )
        )
    s.add(
        Chart(
            charts.line_chart(
                "Taux d'entretien", [str(y) for y in years], series, "part", provisional=prov
            ),
            "Taux d'entretien des 17 ans et post-sortie"
            + (f", comparés à la région ({pub.region_name})." if region_rows else "."),
        )
    )
    s.add(Heading("Projets pour l'autonomie : part des besoins évalués qui sont couverts"))
    need_columns = [f"part_besoin_{b}_couvert" for b in BESOINS]
    s.add(indicator_table(rows, years, ["nb_projets_autonomie", *need_columns]))
    last = rows[latest]
    reg = region_rows.get(latest)
    need_series = [Series(name, [Point.of(libelles.column(c), last, c) for c in need_columns])]
    if reg is not None:
        need_series.append(
            Series(pub.region_name, [Point.of(libelles.column(c), reg, c) for c in need_columns])
        )
    s.add(
        Chart(
            charts.grouped_bars(
                f"Besoins couverts, {latest}",
                [
                    "Ressources",
                    "Logement",
                    "Emploi,\nformation",
                    "Soins",
                    "Démarches",
                    "Socio-\néducatif",
                ],
                need_series,
                "part",
            ),
            f"Part des besoins évalués qui sont couverts, par domaine, {latest}"
            + (" (provisoire)." if last.provisional else "."),
        )
    )
    s.add(Heading("Après la sortie"))
    s.add(indicator_table(rows, years, [c for c in APRES_SORTIE if _has_any(rows, [c])]))


def _sorties_section(ctx: Context, doc: Document, dept: str, name: str) -> None:
    pub = ctx.pub
    rows = _by_year(pub.rows("sorties_ase_synthese", dept=dept))
    if not rows:
        return
    years = sorted(rows)
    region = _by_year(pub.rows("sorties_ase_synthese", dept=pub.region_code))
    s = doc.section("Sorties et sorties sèches")
    s.add(indicator_table(rows, years, [c for c in SYNTHESE if _has_any(rows, [c])]))
    series = [Series(name, _points(rows, years, "part_sorties_seches"))]
    if region:
        series.append(
            Series(f"Région ({pub.region_name})", _points(region, years, "part_sorties_seches"))
        )
    s.add(
        Chart(
            charts.line_chart("Part de sorties sèches", [str(y) for y in years], series, "part"),
            "Part des sorties sèches parmi les sorties de situation connue.",
        )
    )
    latest = years[-1]
    marges = pub.rows("sorties_ase_marges", annee=latest, dept=dept)
    if not marges:
        return
    s.add(Heading(f"Situation à la sortie, {latest}"))
    index = {(str(r.get("dimension")), str(r.get("modalite"))): r for r in marges}
    body: list[list[Cell]] = []
    groups: set[int] = set()
    for dimension, codes in DIMENSIONS.items():
        present = [m for m in codes if (dimension, m) in index]
        present += sorted(m for d, m in index if d == dimension and m not in codes)
        if not present:
            continue
        groups.add(len(body))
        body.append([Cell.label(libelles.code(dimension), strong=True), Cell.label("")])
        for m in present:
            body.append([Cell.label(libelles.code(m)), index[(dimension, m)].cell("nb_sorties")])
    s.add(
        Table(
            [Cell.label("Situation"), Cell.label("Sorties")],
            body,
            "Une modalité absente ne compte aucune sortie.",
            frozenset(groups),
        )
    )
    logement = [
        Point.of(libelles.code(m), index[("logement_sortie", m)], "nb_sorties")
        for m in LOGEMENTS_SORTIE
        if ("logement_sortie", m) in index
    ]
    if logement:
        s.add(
            Chart(
                charts.bar_chart(f"Logement à la sortie, {latest}", logement),
                "Sorties selon le logement à la sortie.",
            )
        )


def _ex_mna_section(ctx: Context, doc: Document, dept: str) -> None:
    pub = ctx.pub
    all_rows = pub.rows("part_ex_mna", dept=dept)
    if not all_rows:
        return
    years = sorted({int(str(r.get("annee"))) for r in all_rows})
    s = doc.section("Anciens mineurs non accompagnés (ex-MNA)")
    header = _year_header("Population", years, {})
    body = []
    series = []
    for pop in POPULATIONS:
        rows = _by_year([r for r in all_rows if r.get("population") == pop])
        if not rows:
            continue
        body.append(
            [Cell.label(libelles.code(pop))]
            + [rows[y].cell("part_ex_mna") if y in rows else _missing() for y in years]
        )
        series.append(Series(libelles.code(pop), _points(rows, years, "part_ex_mna")))
    s.add(Table(header, body, "Part des ex-MNA dans chaque population."))
    latest = years[-1]
    detail = [r for r in all_rows if r.get("annee") == latest]
    s.add(
        Table(
            [
                Cell.label(f"Population, {latest}"),
                Cell.label("Personnes"),
                Cell.label("dont ex-MNA"),
            ],
            [
                [
                    Cell.label(libelles.code(r.get("population"))),
                    r.cell("nb_jeunes"),
                    r.cell("nb_ex_mna"),
                ]
                for r in sorted(
                    detail,
                    key=lambda r: (
                        POPULATIONS.index(str(r.get("population")))
                        if r.get("population") in POPULATIONS
                        else 9
                    ),
                )
            ],
        )
    )
    s.add(
        Chart(
            charts.line_chart("Part d'ex-MNA", [str(y) for y in years], series, "part"),
            "Part des ex-MNA parmi les jeunes majeurs accompagnés, les sortants et les jeunes "
            "hébergés en Habitat Jeunes sur des places du conseil départemental.",
        )
    )


def _cej_section(ctx: Context, doc: Document, dept: str) -> None:
    pub = ctx.pub
    rows = _by_year(pub.rows("delai_cej", dept=dept), "annee_sortie")
    if not rows:
        return
    years = sorted(rows)
    prov = _provisional(rows)
    s = doc.section("Accès au contrat d'engagement jeune (CEJ)")
    s.add(
        Paragraph(
            "Pour chaque sortie de l'année, le premier CEJ signé dans une Mission Locale après les "
            "18 ans et au plus un an après la sortie. Un CEJ signé avant la sortie donne un délai "
            "négatif. Les sorties de moins d'un an n'ont pas encore le recul nécessaire."
        ),
        indicator_table(rows, years, [c for c in CEJ_COUNTS if _has_any(rows, [c])]),
        indicator_table(
            rows,
            years,
            [c for c in CEJ_DELAYS if _has_any(rows, [c])],
            "Délais en jours entre la sortie et le CEJ, parmi les sorties suivies d'un CEJ.",
        ),
        Chart(
            charts.grouped_bars(
                "Sorties selon le délai d'accès au CEJ",
                [str(y) for y in years],
                [Series(libelles.column(c), _points(rows, years, c)) for c in CEJ_COUNTS[1:]],
                provisional=[prov.get(y, False) for y in years],
            ),
            "Nombre de sorties par délai d'accès au CEJ, selon l'année de sortie.",
        ),
    )


def _parcours_section(ctx: Context, doc: Document, dept: str) -> None:
    pub = ctx.pub
    all_rows = pub.rows("parcours", dept=dept)
    if not all_rows:
        return
    years = sorted({int(str(r.get("annee_sortie"))) for r in all_rows})
    by_kind = {
        p: _by_year([r for r in all_rows if r.get("parcours") == p], "annee_sortie")
        for p in PARCOURS
    }
    prov = {y: any(r.provisional for r in all_rows if r.get("annee_sortie") == y) for y in years}
    s = doc.section("Parcours après la sortie")
    header = _year_header("Parcours dans l'année qui entoure la sortie", years, prov)
    body = [
        [Cell.label(libelles.code(p))]
        + [
            by_kind[p][y].cell("nb_sorties").mark_provisional(prov[y])
            if y in by_kind[p]
            else _missing()
            for y in years
        ]
        for p in PARCOURS
        if by_kind[p]
    ]
    s.add(
        Paragraph(
            "Sorties selon que le jeune a été accompagné par une Mission Locale et/ou hébergé en "
            "Habitat Jeunes entre un an avant et un an après la sortie."
        ),
        Table(header, body),
        Chart(
            charts.grouped_bars(
                "Sorties selon le parcours",
                [str(y) for y in years],
                [
                    Series(libelles.code(p), _points(by_kind[p], years, "nb_sorties"))
                    for p in PARCOURS
                    if by_kind[p]
                ],
                provisional=[prov[y] for y in years],
            ),
            "Nombre de sorties par parcours et année de sortie (barres côte à côte).",
        ),
    )


def _places_section(ctx: Context, doc: Document, dept: str, name: str) -> None:
    pub = ctx.pub
    rows = _by_year(pub.rows("places_par_departement", dept=dept))
    cover = _by_year(pub.rows("couverture_territoriale", dept=dept))
    if not rows and not cover:
        return
    s = doc.section("Places réservées en Habitat Jeunes et règle des 15 %")
    if rows:
        years = sorted(rows)
        s.add(
            Paragraph(
                "Places des conventions actives au 31 décembre dans les résidences Habitat Jeunes "
                "du département, selon le public auquel elles sont réservées."
            ),
            indicator_table(rows, years, [c for c in PLACES if _has_any(rows, [c])]),
        )
    if cover:
        years = sorted(cover)
        s.add(
            Heading("Couverture du territoire"),
            indicator_table(cover, years, [c for c in COUVERTURE if _has_any(cover, [c])]),
        )
        if any(r.get("sans_offre_hj") is True for r in cover.values()):
            s.add(Paragraph(f"{name} n'a pas d'offre Habitat Jeunes certaines années.", "note"))
    residences = pub.rows("residences_plafond", dept=dept)
    if residences:
        latest = max(int(str(r.get("annee"))) for r in residences)
        current = [r for r in residences if r.get("annee") == latest]
        over = [r for r in current if r.get("depasse_plafond") is True]
        s.add(Heading(f"Règle des 15 % par résidence, {latest}"))
        s.add(
            Paragraph(
                f"{len(over)} résidence(s) sur {len(current)} dépasse(nt) le plafond de 15 % de "
                "places réservées par le conseil départemental, le jour le plus chargé de l'année."
            )
        )
        columns = [
            c
            for c in (
                "capacite_places",
                "places_conventionnees_cd",
                "part_places_cd",
                "part_places_cd_max",
            )
            if c in pub.columns("residences_plafond")
        ]
        body = [
            [Cell.label(str(r.get("nom_residence") or r.get("id_residence")))]
            + [r.cell(c) for c in columns]
            + [r.cell("depasse_plafond", "texte")]
            for r in sorted(current, key=lambda r: str(r.get("id_residence")))
        ]
        s.add(
            Table(
                [Cell.label("Résidence")]
                + [Cell.label(libelles.column(c)) for c in columns]
                + [Cell.label("Au-delà de 15 %")],
                body,
            )
        )
    latest_cover = max(cover) if cover else None
    if latest_cover is not None:
        chart = _map(
            ctx, "couverture_territoriale", "places_cd_pour_100_jeunes_majeurs", latest_cover, dept
        )
        if chart:
            s.add(chart)


def _pdalhpd_section(ctx: Context, doc: Document, dept: str) -> None:
    pub = ctx.pub
    rows = pub.rows("besoin_logement_pdalhpd", dept=dept)
    if not rows:
        return
    refs = sorted({int(str(r.get("annee_reference"))) for r in rows})
    latest = refs[-1]
    current = sorted(
        (r for r in rows if r.get("annee_reference") == latest),
        key=lambda r: int(str(r.get("annee_projection"))),
    )
    s = doc.section("Estimation du besoin de logement des sortants (PDALHPD)")
    method = next((str(r.get("methode")) for r in current if r.get("methode")), "")
    s.add(
        Paragraph(
            f"Combien de jeunes pris en charge fin {latest} sortiront de l'ASE dans les trois "
            "années suivantes, et combien auront besoin d'une solution de logement (ni logement "
            "autonome, ni logement social, ni famille) : estimation centrale et fourchette."
        )
    )
    columns = [
        "sorties_prevues",
        "besoin_logement_bas",
        "besoin_logement_central",
        "besoin_logement_haut",
    ]
    s.add(
        Table(
            [Cell.label("Année")] + [Cell.label(libelles.column(c)) for c in columns],
            [
                [Cell.label(str(r.get("annee_projection")))] + [r.cell(c) for c in columns]
                for r in current
            ],
            f"Estimation faite avec les données de {latest}.",
        )
    )
    if method:
        s.add(Paragraph(f"Méthode : {method}.", "note"))
    backtest = sorted(
        (
            r
            for r in rows
            if r.get("annee_projection") == int(str(r.get("annee_reference"))) + 1
            and ("sorties_observees" in r.values)
            and (r.get("sorties_observees") is not None or r.is_masked("sorties_observees"))
        ),
        key=lambda r: int(str(r.get("annee_projection"))),
    )
    if backtest:
        bt_columns = [
            c
            for c in (
                "besoin_logement_central",
                "besoin_logement_observe",
                "erreur_relative_besoin",
                "sorties_prevues",
                "sorties_observees",
                "erreur_relative_sorties",
            )
            if c in pub.columns("besoin_logement_pdalhpd")
        ]
        s.add(Heading("Contrôle a posteriori"))
        s.add(
            Paragraph(
                "Chaque année passée, l'estimation faite avec les seules données de l'année "
                "précédente est comparée à ce qui s'est produit : l'écart dit la précision "
                "à attendre de l'estimation."
            ),
            Table(
                [Cell.label("Année estimée")]
                + [Cell.label(libelles.column(c)) for c in bt_columns],
                [
                    [Cell.label(str(r.get("annee_projection")))] + [r.cell(c) for c in bt_columns]
                    for r in backtest
                ],
            ),
        )
    ranges = [
        Range(
            f"{r.get('annee_projection')}\n(estimé {r.get('annee_reference')})",
            Point.of("bas", r, "besoin_logement_bas"),
            Point.of("central", r, "besoin_logement_central"),
            Point.of("haut", r, "besoin_logement_haut"),
            Point.of("observé", r, "besoin_logement_observe"),
        )
        for r in backtest
    ] + [
        Range(
            str(r.get("annee_projection")),
            Point.of("bas", r, "besoin_logement_bas"),
            Point.of("central", r, "besoin_logement_central"),
            Point.of("haut", r, "besoin_logement_haut"),
        )
        for r in current
    ]
    s.add(
        Chart(
            charts.range_chart("Jeunes sortants ayant besoin d'une solution de logement", ranges),
            "Estimations passées comparées à l'observé (losanges), puis projection des trois "
            "prochaines années avec leur fourchette.",
        )
    )


# --- the regional synthesis ------------------------------------------------------------------


def synthese(ctx: Context) -> Document:
    pub = ctx.pub
    region = pub.region_code
    doc = Document(
        title=f"Synthèse régionale — {pub.region_name}",
        subtitle="Les jeunes majeurs sortant de l'aide sociale à l'enfance et leurs parcours : "
        "comparaison des départements",
        territory=pub.region_name,
        publication_date=french_date(pub.publication_date),
    )
    years = pub.years("bilan_odpe")
    latest = _latest(years)
    intro = doc.section("En bref")
    intro.add(
        Paragraph(
            f"Cette synthèse compare les {len(pub.departments)} départements de la région "
            f"{pub.region_name} sur les indicateurs des bilans départementaux. Les chiffres de "
            "la région sont calculés sur les valeurs exactes de tous les départements, puis "
            "soumis au secret statistique : ils ne sont pas la somme des cases visibles.",
            "intro",
        )
    )
    reg_rows = _by_year(pub.rows("bilan_odpe", dept=region))
    if latest is not None and latest in reg_rows:
        reg = reg_rows[latest]
        synth = next(iter(pub.rows("sorties_ase_synthese", annee=latest, dept=region)), None)
        items = [
            ("Jeunes majeurs accompagnés", reg.cell("nb_jeunes_majeurs_accompagnes")),
            ("Sorties de l'ASE", reg.cell("nb_sorties")),
        ]
        if synth is not None:
            items.append(("Part de sorties sèches", synth.cell("part_sorties_seches")))
        items.append(("Entretiens des 17 ans", reg.cell("taux_entretien_17_ans")))
        intro.add(
            KeyFigures(
                [(f"{label} ({latest})", c.mark_provisional(reg.provisional)) for label, c in items]
            )
        )
    if latest is not None:
        _comparison_section(ctx, doc, latest)
    if reg_rows:
        ys = sorted(reg_rows)
        s = doc.section(f"Évolution dans la région {pub.region_name}")
        s.add(
            indicator_table(
                reg_rows,
                ys,
                [
                    c
                    for c in (
                        *ACCOMPAGNEMENT,
                        "taux_entretien_17_ans",
                        "taux_entretien_post_sortie",
                        *APRES_SORTIE,
                    )
                    if _has_any(reg_rows, [c])
                ],
            )
        )
    _regional_places(ctx, doc)
    _regional_pdalhpd(ctx, doc)
    _notes(ctx, doc, None)
    return doc


def _comparison_section(ctx: Context, doc: Document, year: int) -> None:
    pub = ctx.pub
    s = doc.section(f"Les départements en {year}")
    present = [(m, c) for m, c in COMPARAISON if pub.has(m) and c in pub.columns(m)]
    header = [Cell.label("Territoire")] + [
        Cell.label(SHORT.get(c, libelles.column(c))) for _, c in present
    ]
    body = []
    for code, name in [*pub.departments, (pub.region_code, pub.region_name)]:
        line = [
            Cell.label(
                f"{name} ({code})" if code != pub.region_code else name,
                strong=code == pub.region_code,
            )
        ]
        for mart, column in present:
            row = next(iter(pub.rows(mart, annee=year, dept=code)), None)
            cell = row.cell(column).mark_provisional(row.provisional) if row else _missing()
            line.append(cell.bold() if code == pub.region_code else cell)
        body.append(line)
    s.add(
        Table(
            header,
            body,
            "JM : jeunes majeurs ; ML : Mission Locale ; HJ : Habitat Jeunes. Sorties sèches : "
            "part parmi les sorties de situation connue.",
        )
    )
    for mart, column, kind in (
        ("sorties_ase_synthese", "part_sorties_seches", "part"),
        ("bilan_odpe", "taux_entretien_17_ans", "part"),
        ("bilan_odpe", "part_sorties_suivies_ml", "part"),
    ):
        if not pub.has(mart) or column not in pub.columns(mart):
            continue
        bars = [
            Point.of(name, next(iter(pub.rows(mart, annee=year, dept=code)), None), column)
            for code, name in pub.departments
        ]
        reference = Point.of(
            pub.region_name,
            next(iter(pub.rows(mart, annee=year, dept=pub.region_code)), None),
            column,
        )
        s.add(
            Chart(
                charts.bar_chart(
                    f"{libelles.column(column)}, {year}",
                    bars,
                    kind,  # type: ignore[arg-type]
                    reference=reference if reference.value is not None else None,
                ),
                f"{libelles.column(column)} par département ; trait pointillé : la région.",
            )
        )
    for mart, column in (
        ("sorties_ase_synthese", "part_sorties_seches"),
        ("couverture_territoriale", "places_cd_pour_100_jeunes_majeurs"),
    ):
        chart = _map(ctx, mart, column, year, None)
        if chart:
            s.add(chart)


def _regional_places(ctx: Context, doc: Document) -> None:
    pub = ctx.pub
    residences = pub.rows("residences_plafond")
    places = pub.rows("places_par_departement")
    if not residences and not places:
        return
    latest = max(pub.years("places_par_departement") or pub.years("residences_plafond"))
    s = doc.section(f"Habitat Jeunes : places réservées et règle des 15 %, {latest}")
    columns = [
        c
        for c in ("nb_residences", "capacite_places", "places_conventionnees_cd", "part_places_cd")
        if c in pub.columns("places_par_departement")
    ]
    body = []
    for code, name in [*pub.departments, (pub.region_code, pub.region_name)]:
        row = next(iter(pub.rows("places_par_departement", annee=latest, dept=code)), None)
        mine = [r for r in residences if r.get("annee") == latest and r.get("dept") == code]
        over = sum(1 for r in mine if r.get("depasse_plafond") is True)
        if code == pub.region_code:
            mine = [r for r in residences if r.get("annee") == latest]
            over = sum(1 for r in mine if r.get("depasse_plafond") is True)
        line = [Cell.label(name, strong=code == pub.region_code)]
        line += [row.cell(c) if row else _missing() for c in columns]
        line.append(Cell.label(f"{over} / {len(mine)}" if mine else "—"))
        body.append(line)
    s.add(
        Table(
            [Cell.label("Territoire")]
            + [Cell.label(libelles.column(c)) for c in columns]
            + [Cell.label("Résidences au-delà de 15 %")],
            body,
            "Places au 31 décembre ; une résidence est au-delà de 15 % si les places réservées par "
            "le CD ont dépassé 15 % de sa capacité un jour de l'année.",
        )
    )


def _regional_pdalhpd(ctx: Context, doc: Document) -> None:
    pub = ctx.pub
    if not pub.has("besoin_logement_pdalhpd"):
        return
    refs = pub.years("besoin_logement_pdalhpd")
    if not refs:
        return
    latest = refs[-1]
    s = doc.section(f"Besoin de logement des sortants estimé pour {latest + 1} (PDALHPD)")
    columns = [
        "sorties_prevues",
        "besoin_logement_bas",
        "besoin_logement_central",
        "besoin_logement_haut",
    ]
    body = []
    for code, name in [*pub.departments, (pub.region_code, pub.region_name)]:
        row = next(
            iter(
                pub.rows(
                    "besoin_logement_pdalhpd",
                    annee_reference=latest,
                    dept=code,
                    annee_projection=latest + 1,
                )
            ),
            None,
        )
        if row is None:
            continue
        body.append(
            [Cell.label(name, strong=code == pub.region_code)] + [row.cell(c) for c in columns]
        )
    s.add(
        Table(
            [Cell.label("Territoire")] + [Cell.label(libelles.column(c)) for c in columns],
            body,
            f"Estimation faite avec les données de {latest} ; voir chaque bilan pour la méthode "
            "et l'écart mesuré sur les années passées.",
        )
    )
