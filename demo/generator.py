"""Synthetic partner deliveries for the demo and the tests (`observatoire generate`).

Nothing here is real: persons are drawn at random, their keys are random 64-hex strings (no
identity is ever hashed), and only the orders of magnitude come from `docs/domaine.md`.

The generator first simulates the *truth* — every person's measures of care, exits, interviews,
Mission Locale accompaniments and Habitat Jeunes stays, with full dates — then cuts it into
yearly extracts exactly as exports.md §1 describes: the extract of year Y holds every record
active during Y, as known on the extraction day (31 January of Y+1): an end after that day is
not known yet and is left empty. Producers write the contract's tolerated forms (Windows-1252,
`JJ/MM/AAAA`, upper-case headers, `oui`/`non`, `,` delimiter, shuffled columns) in some deliveries.
"""

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.lib.contract import tables as c
from pipelines.lib.reference import (
    DEFAULT_REGION,
    communes_by_dept,
    departements,
    departements_of_region,
)

ALL_REGIONS = "all"

D = dt.date
DAY = dt.timedelta(days=1)

# Orders of magnitude (domain.md), for Occitanie; other regions scale by population.
OCCITANIE_POPULATION = 6_100_000
ML_PER_OCCITANIE = 26
HJ_RESIDENCES_PER_OCCITANIE = 66
HJ_PLACES_PER_OCCITANIE = 3_750
ML_YOUNG_PER_YEAR_OCCITANIE = 100_000
# Persons of one birth cohort in care in adolescence. Calibrated on exits as marts 1.1 judge
# them (18 or older on the day after care ends, so care ending on the eve of majority counts):
# about 1,350 a year in Occitanie (15,000 nationally × its 9 % of the population); young
# adults accompanied then come to about 1,900 a year (ONPE: 21,400 nationally).
ASE_PERSONS_PER_COHORT_OCCITANIE = 2_300
# Places reserved under conventions, per department (domain.md, Occitanie 2021–2022): a list of
# (public, places, financeur, dept_financeur) per department; none in 09, 32, 48, 66, 81.
CONVENTIONS_OCCITANIE: dict[str, list[tuple[str, int, str, str | None]]] = {
    "11": [("CJM", 16, "CD", "11"), ("EX_MNA", 15, "CD", "11")],
    "12": [("CJM", 12, "CD", "12"), ("ASE_TOUS", 12, "CD", "12")],
    "30": [
        ("CJM", 50, "CD", "30"),
        ("EX_MNA", 50, "CD", "30"),
        ("MINEURS_PROTEGES", 18, "CD", "30"),
    ],
    "31": [
        ("CJM", 40, "CD", "31"),
        ("EX_MNA", 35, "CD", "31"),
        ("JEUNES_RUPTURE", 10, "ETAT", None),
    ],
    "34": [
        ("CJM", 9, "CD", "34"),
        ("EX_MNA", 16, "CD", "34"),
        ("CJM", 15, "CD", "34"),
        ("MINEURS_PROTEGES", 4, "CD", "34"),
        ("ASE_TOUS", 5, "CD", "34"),
        ("CJM", 13, "CD", "34"),
    ],
    "46": [("CJM", 6, "CD", "46"), ("CJM", 4, "CD", "24")],
    "65": [("ASE_TOUS", 15, "CD", "65"), ("CJM", 15, "CD", "65")],
    "82": [("CJM", 8, "CD", "82"), ("EX_MNA", 6, "CD", "82")],
}
NO_HJ_OFFER_OCCITANIE = {"48"}
# Department 69 has two child-protection services (exports.md §1): the Métropole de Lyon (69M)
# and the Rhône outside it (69D). Share of the Métropole in the department's population
# (INSEE, 2021: 1,424,069 of 1,887,162).
LYON_SPLIT_DEPT = "69"
METROPOLE_SHARE = 0.755


@dataclass(frozen=True)
class Style:
    """How one producer writes its files (all forms accepted by exports.md §2)."""

    encoding: str = "utf-8"  # "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str = ";"
    french_dates: bool = False
    booleans: tuple[str, str] = ("1", "0")
    upper_headers: bool = False
    shuffle_columns: bool = False
    sloppy_codes: bool = False  # lower-case codes with stray spaces


STYLES = (
    Style(),
    Style(encoding="cp1252", french_dates=True, booleans=("oui", "non"), upper_headers=True),
    Style(encoding="utf-8-sig", delimiter=",", shuffle_columns=True, booleans=("O", "N")),
    Style(sloppy_codes=True, french_dates=True),
)


@dataclass
class Truth:
    """Every synthetic record with its full dates, before yearly extraction."""

    rows: dict[str, list[dict[str, object]]] = field(
        default_factory=lambda: {t: [] for t in c.TABLES}
    )

    counters: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, **row: object) -> None:
        self.rows[table].append(row)

    def next_id(self, prefix: str) -> str:
        """A sequential business key (`M31-0000042`): partners' keys are opaque numbers, never
        derived from the person."""
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{self.counters[prefix]:07d}"


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _bym(d: D) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _add_years(d: D, years: int) -> D:
    return D(d.year + years, d.month, 1)


def _clip(d: D, lo: D, hi: D) -> D:
    return max(lo, min(d, hi))


def _weighted(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


@dataclass
class Region:
    code: str
    depts: list[str]
    weights: dict[str, float]  # share of the region's population
    population: int
    missions_locales: dict[str, list[str]]
    communes: dict[str, tuple[list[str], np.ndarray]]


def _region(code: str) -> Region:
    depts = [d.code for d in departements_of_region(code)]
    communes = communes_by_dept()
    pops = {d: sum(p for _, p in communes.get(d, [])) for d in depts}
    total = sum(pops.values())
    weights = {d: pops[d] / (total or 1) for d in depts}
    n_ml = max(len(depts), round(ML_PER_OCCITANIE * total / OCCITANIE_POPULATION))
    missions: dict[str, list[str]] = {}
    for d in depts:
        k = max(1, round(n_ml * weights[d]))
        missions[d] = [f"ML{d}{i + 1:02d}" for i in range(k)]
    table = {}
    for d in depts:
        codes = [code for code, _ in communes.get(d, [])]
        p = np.array([max(pop, 1) for _, pop in communes.get(d, [])], dtype=float)
        table[d] = (codes, p / p.sum())
    return Region(code, depts, weights, total, missions, table)


# --------------------------------------------------------------------------------------------
# ASE: persons, measures, exits, interviews, autonomy projects
# --------------------------------------------------------------------------------------------


@dataclass
class AsePerson:
    id_jeune: str
    dept: str
    sexe: str
    naissance: D  # first day of the birth month
    mna: bool
    measures: list[dict[str, object]] = field(default_factory=list)
    exits: list[tuple[D, int]] = field(default_factory=list)  # (exit date, age)

    def majority(self) -> D:
        return _add_years(self.naissance, 18)


def _minor_measure(rng: random.Random, mna: bool) -> tuple[str, str]:
    if mna:
        kind = _weighted(
            rng, {"ACCUEIL_PROVISOIRE": 0.55, "PLACEMENT_JUDICIAIRE": 0.4, "TUTELLE": 0.05}
        )
        mode = _weighted(
            rng,
            {
                "MECS": 0.45,
                "FOYER_ENFANCE": 0.2,
                "HOTEL": 0.15,
                "LIEU_DE_VIE": 0.1,
                "ASSISTANT_FAMILIAL": 0.1,
            },
        )
        return kind, mode
    kind = _weighted(
        rng,
        {
            "AED": 0.12,
            "AEMO": 0.18,
            "ACCUEIL_PROVISOIRE": 0.2,
            "PLACEMENT_JUDICIAIRE": 0.45,
            "TUTELLE": 0.05,
        },
    )
    if kind in ("AED", "AEMO"):
        return kind, "DOMICILE"
    mode = _weighted(
        rng,
        {
            "ASSISTANT_FAMILIAL": 0.45,
            "MECS": 0.3,
            "FOYER_ENFANCE": 0.1,
            "LIEU_DE_VIE": 0.08,
            "TIERS_DIGNE_DE_CONFIANCE": 0.07,
        },
    )
    return kind, mode


def _add_measure(
    p: AsePerson, truth: Truth, kind: str, mode: str, start: D, end: D, motif: str
) -> None:
    p.measures.append(
        dict(
            id_mesure=truth.next_id(f"M{p.dept}"),
            type_mesure=kind,
            mode_accueil=mode,
            date_debut=start,
            date_fin=end,
            motif_fin=motif,
        )
    )


def _simulate_person(rng: random.Random, p: AsePerson, horizon: D, truth: Truth) -> None:
    """The measures of one person, from first care to (at most) their 21st birthday."""
    majority = p.majority()
    end_of_care = _add_years(p.naissance, 21) - DAY
    if p.mna:
        start = majority - dt.timedelta(days=rng.randint(60, 900))
    else:
        start = p.naissance + dt.timedelta(days=rng.randint(3 * 365, 17 * 365))
    cursor = start
    # Minor measures, chained or broken, until majority.
    while cursor < majority and cursor <= horizon:
        kind, mode = _minor_measure(rng, p.mna)
        end = cursor + dt.timedelta(days=rng.randint(120, 1100))
        motif = "RELAIS_AUTRE_MESURE"
        if end >= majority - DAY:
            end, motif = majority - DAY, "MAJORITE"
        _add_measure(p, truth, kind, mode, cursor, end, motif)
        if motif == "MAJORITE":
            break
        roll = rng.random()
        if roll < 0.62:
            cursor = end + dt.timedelta(days=rng.randint(1, 15))
        elif roll < 0.72:
            cursor = end + dt.timedelta(days=rng.randint(16, 32))  # around the 31-day boundary
        elif roll < 0.82:
            p.measures[-1]["motif_fin"] = "RETOUR_EN_FAMILLE"
            cursor = end + dt.timedelta(days=rng.randint(60, 700))
        else:
            p.measures[-1]["motif_fin"] = _weighted(
                rng, {"RETOUR_EN_FAMILLE": 0.7, "DEMENAGEMENT": 0.2, "AUTRE": 0.1}
            )
            return
    if not p.measures or p.measures[-1]["motif_fin"] != "MAJORITE":
        return
    # Young-adult measures (APJM/CJM), at majority or as a return before 21.
    p_young_adult = 0.78 if p.mna else 0.5
    if rng.random() < p_young_adult:
        cursor = majority + dt.timedelta(days=rng.randint(0, 10))
    elif rng.random() < 0.1:
        cursor = majority + dt.timedelta(days=rng.randint(60, 700))  # droit au retour
    else:
        return
    while cursor < end_of_care:
        kind = "APJM" if rng.random() < 0.6 else "CJM"
        mode = _weighted(
            rng,
            {
                "LOGEMENT_AUTONOME": 0.3,
                "HABITAT_JEUNES": 0.2,
                "MECS": 0.15,
                "ASSISTANT_FAMILIAL": 0.15,
                "HOTEL": 0.08 if p.mna else 0.02,
                "AUTRE": 0.1,
            },
        )
        end = cursor + dt.timedelta(days=rng.randint(120, 720))
        motif = _weighted(
            rng,
            {
                "FIN_CONTRAT_JEUNE_MAJEUR": 0.5,
                "AUTONOMIE": 0.25,
                "DEMANDE_DU_JEUNE": 0.15,
                "AUTRE": 0.1,
            },
        )
        if end >= end_of_care:
            end, motif = end_of_care, "FIN_CONTRAT_JEUNE_MAJEUR"
        _add_measure(p, truth, kind, mode, cursor, end, motif)
        if motif != "FIN_CONTRAT_JEUNE_MAJEUR" or rng.random() < 0.7 or end >= end_of_care:
            break
        cursor = end + dt.timedelta(days=rng.randint(1, 20))  # renewal


def _spells(measures: list[dict[str, object]]) -> list[tuple[D, D]]:
    """Spells of care as marts.md defines them (a new spell after more than 31 days)."""
    spells: list[list[D]] = []
    for m in sorted(measures, key=lambda m: m["date_debut"]):  # type: ignore[arg-type,return-value]
        start, end = m["date_debut"], m["date_fin"]
        assert isinstance(start, D) and isinstance(end, D)
        if spells and (start - spells[-1][1]).days <= 31:
            spells[-1][1] = max(spells[-1][1], end)
        else:
            spells.append([start, end])
    return [(s, e) for s, e in spells]


def _age_at(naissance: D, day: D) -> int:
    return day.year - naissance.year - (1 if day.month < naissance.month else 0)


SITUATION_WEIGHTS = {
    "logement_sortie": {
        "LOGEMENT_AUTONOME": 0.2,
        "LOGEMENT_SOCIAL": 0.08,
        "HABITAT_JEUNES": 0.12,
        "FAMILLE_PROCHES": 0.25,
        "HEBERGEMENT_INSERTION": 0.1,
        "HEBERGEMENT_URGENCE": 0.06,
        "SANS_SOLUTION": 0.07,
        "INCONNU": 0.12,
    },
    "activite_sortie": {
        "EMPLOI": 0.15,
        "ALTERNANCE": 0.1,
        "FORMATION": 0.2,
        "ETUDES": 0.1,
        "CEJ": 0.12,
        "AUTRE_ACCOMPAGNEMENT": 0.08,
        "SANS_ACTIVITE": 0.13,
        "INCONNU": 0.12,
    },
    "ressources_sortie": {
        "SALAIRE": 0.25,
        "ALLOCATION_CEJ": 0.12,
        "BOURSE": 0.1,
        "AUTRES_AIDES": 0.25,
        "AUCUNE": 0.14,
        "INCONNU": 0.14,
    },
}


def _simulate_ase(
    rng: random.Random, region: Region, years: range, horizon: D, scale: float, truth: Truth
) -> list[AsePerson]:
    persons: list[AsePerson] = []
    per_cohort = ASE_PERSONS_PER_COHORT_OCCITANIE * region.population / OCCITANIE_POPULATION * scale
    # Cohorts that are 14 to 21 at some time during the demo years.
    for birth_year in range(years.start - 21, years.stop - 14):
        for dept in region.depts:
            for _ in range(round(per_cohort * region.weights[dept] * rng.uniform(0.85, 1.15))):
                naissance = D(birth_year, rng.randint(1, 12), 1)
                p = AsePerson(
                    _hex(rng),
                    dept,
                    rng.choice("FM") if rng.random() > 0.3 else "M",
                    naissance,
                    rng.random() < 0.2,
                )
                if p.mna:
                    p.sexe = "M" if rng.random() < 0.9 else "F"
                if dept == LYON_SPLIT_DEPT:
                    p.dept = "69M" if rng.random() < METROPOLE_SHARE else "69D"
                _simulate_person(rng, p, horizon, truth)
                if p.measures:
                    persons.append(p)
    for p in persons:
        truth.add(
            "ase_jeunes",
            dept=p.dept,
            id_jeune=p.id_jeune,
            sexe=p.sexe,
            annee_mois_naissance=_bym(p.naissance),
            mna=p.mna,
            date_premiere_prise_en_charge=p.measures[0]["date_debut"]
            if rng.random() < 0.8
            else None,
        )
        for m in p.measures:
            truth.add("ase_mesures", dept=p.dept, id_jeune=p.id_jeune, **m)
        majority = p.majority()
        seventeen = _add_years(p.naissance, 17)
        spells = _spells(p.measures)
        if any(s <= seventeen <= e for s, e in spells) and rng.random() < 0.65:
            when = seventeen + dt.timedelta(
                days=rng.randint(0 if rng.random() < 0.93 else -40, 330)
            )
            truth.add(
                "ase_entretiens",
                dept=p.dept,
                id_jeune=p.id_jeune,
                type_entretien="ENTRETIEN_17_ANS",
                date_entretien=when,
                partenaires="|".join(sorted(rng.sample(c.PARTENAIRES_ENTRETIEN, rng.randint(0, 2))))
                or None,
            )
        for _start, e in spells:
            age = _age_at(p.naissance, e)
            if age < 17 or e > horizon:
                continue
            if age >= 18:
                p.exits.append((e, age))
            if rng.random() < 0.88:
                offset = 0 if rng.random() < 0.8 else rng.choice([-20, -5, 3, 15, 31, 45])
                situation = {k: _weighted(rng, w) for k, w in SITUATION_WEIGHTS.items()}
                if rng.random() < 0.08:
                    situation = dict.fromkeys(situation, "INCONNU")
                # Leaving at 18 without a young-adult measure: more dry exits.
                leaves_at_majority = age < 18 or e < majority + dt.timedelta(days=40)
                if leaves_at_majority and rng.random() < 0.15:
                    situation["logement_sortie"] = "SANS_SOLUTION"
                truth.add(
                    "ase_sorties",
                    dept=p.dept,
                    id_jeune=p.id_jeune,
                    date_sortie=e + dt.timedelta(days=offset),
                    **situation,
                )
            if age >= 18 and rng.random() < 0.45:
                truth.add(
                    "ase_entretiens",
                    dept=p.dept,
                    id_jeune=p.id_jeune,
                    type_entretien="ENTRETIEN_POST_SORTIE",
                    date_entretien=e + dt.timedelta(days=rng.randint(150, 210)),
                    partenaires="ADEPAPE" if rng.random() < 0.2 else None,
                )
        for m in p.measures:
            if m["type_mesure"] in c.MESURES_JEUNE_MAJEUR and rng.random() < 0.7:
                start = m["date_debut"]
                assert isinstance(start, D)
                needs = {
                    b: (None if rng.random() < 0.12 else rng.random() < 0.7)
                    for b in c.BESOINS_AUTONOMIE
                }
                truth.add(
                    "ase_autonomie",
                    dept=p.dept,
                    id_jeune=p.id_jeune,
                    date_projet=start + dt.timedelta(days=rng.randint(0, 60)),
                    **needs,
                )
    return persons


# --------------------------------------------------------------------------------------------
# Missions Locales
# --------------------------------------------------------------------------------------------


def _ml_accompaniments(
    rng: random.Random,
    truth: Truth,
    dept: str,
    code_ml: str,
    id_jeune: str,
    first: D,
    horizon: D,
    prefer_cej: bool,
    naissance: D,
) -> None:
    cursor = first + dt.timedelta(days=rng.randint(0, 45))
    for _ in range(1 if rng.random() < 0.7 else 2):
        if cursor > horizon:
            return
        age = _age_at(naissance, cursor)
        options = {
            "PACEA": 0.45,
            "CEJ": 0.3,
            "CEJ_JR": 0.05,
            "AUTRE": 0.12,
            "OBLIGATION_FORMATION": 0.08 if age < 18 else 0.0,
        }
        if prefer_cej and age >= 18:
            options = {"CEJ": 0.75, "CEJ_JR": 0.1, "PACEA": 0.15}
        dispositif = _weighted(rng, options)
        length = rng.randint(180, 365) if dispositif.startswith("CEJ") else rng.randint(60, 720)
        end = cursor + dt.timedelta(days=length)
        truth.add(
            "ml_accompagnements",
            dept=dept,
            producteur=code_ml,
            id_accompagnement=truth.next_id(f"A{code_ml}"),
            id_jeune=id_jeune,
            code_ml=code_ml,
            dispositif=dispositif,
            date_entree=cursor,
            date_sortie=end,
            motif_sortie=_weighted(
                rng,
                {
                    "EMPLOI_DURABLE": 0.25,
                    "FORMATION_QUALIFIANTE": 0.15,
                    "FIN_DE_DROITS": 0.3,
                    "ABANDON": 0.15,
                    "DEMENAGEMENT": 0.05,
                    "AUTRE": 0.1,
                },
            ),
        )
        if rng.random() < 0.55:
            s = cursor + dt.timedelta(days=rng.randint(20, 200))
            truth.add(
                "ml_situations",
                dept=dept,
                producteur=code_ml,
                id_situation=truth.next_id(f"S{code_ml}"),
                id_jeune=id_jeune,
                type_situation=_weighted(
                    rng,
                    {
                        "EMPLOI_CDD": 0.3,
                        "EMPLOI_CDI": 0.1,
                        "ALTERNANCE": 0.15,
                        "FORMATION": 0.25,
                        "IMMERSION_PMSMP": 0.12,
                        "SERVICE_CIVIQUE": 0.08,
                    },
                ),
                date_debut=s,
                date_fin=s + dt.timedelta(days=rng.randint(10, 400)),
            )
        cursor = end + dt.timedelta(days=rng.randint(1, 150))


def _ml_person(
    rng: random.Random,
    truth: Truth,
    region: Region,
    dept: str,
    id_jeune: str,
    sexe: str,
    naissance: D,
    first: D,
    horizon: D,
    parcours_ase: bool | None,
    prefer_cej: bool,
) -> None:
    code_ml = rng.choice(region.missions_locales[dept])
    codes, weights = region.communes[dept]
    commune = (
        codes[int(np.searchsorted(np.cumsum(weights), rng.random() * 0.999999))]
        if rng.random() < 0.95
        else None
    )
    truth.add(
        "ml_jeunes",
        dept=dept,
        producteur=code_ml,
        id_jeune=id_jeune,
        code_ml=code_ml,
        sexe=sexe,
        annee_mois_naissance=_bym(naissance),
        commune_residence=commune,
        date_premier_accueil=first,
        niveau_formation=_weighted(
            rng, {"INFRA_3": 0.3, "3": 0.3, "4": 0.3, "5": 0.07, "6_PLUS": 0.03}
        )
        if rng.random() < 0.9
        else None,
        rqth=rng.random() < 0.05,
        qpv=rng.random() < 0.2 if rng.random() < 0.9 else None,
        parcours_ase=parcours_ase,
    )
    _ml_accompaniments(rng, truth, dept, code_ml, id_jeune, first, horizon, prefer_cej, naissance)


def _simulate_ml(
    rng: random.Random,
    region: Region,
    years: range,
    horizon: D,
    scale: float,
    ase: list[AsePerson],
    truth: Truth,
) -> list[tuple[str, str, D]]:
    """Mission Locale pathways; returns (id_jeune, dept, first contact) of the general public."""
    public: list[tuple[str, str, D]] = []
    per_year = ML_YOUNG_PER_YEAR_OCCITANIE * region.population / OCCITANIE_POPULATION * scale / 2.4
    for year in range(years.start - 2, years.stop):
        for dept in region.depts:
            for _ in range(round(per_year * region.weights[dept])):
                first = D(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
                if first > horizon:
                    continue
                naissance = D(first.year - rng.randint(16, 25), rng.randint(1, 12), 1)
                id_jeune = _hex(rng)
                _ml_person(
                    rng,
                    truth,
                    region,
                    dept,
                    id_jeune,
                    rng.choice("FM"),
                    naissance,
                    first,
                    horizon,
                    None if rng.random() < 0.7 else False,
                    False,
                )
                public.append((id_jeune, dept, first))
    # Young people leaving care: most meet a Mission Locale (the CEJ is to be offered to them).
    for p in ase:
        if not p.exits and not any(m["type_mesure"] in c.MESURES_JEUNE_MAJEUR for m in p.measures):
            continue
        if rng.random() > (0.7 if p.mna else 0.55):
            continue
        anchor = p.exits[0][0] if p.exits else p.majority()
        first = max(
            _add_years(p.naissance, 16) + dt.timedelta(days=200),
            anchor + dt.timedelta(days=rng.randint(-300, 330)),
        )
        if first > horizon:
            continue
        home = c.display_dept(p.dept)  # 69D and 69M young people meet Missions Locales of 69
        dept = home if rng.random() < 0.85 else rng.choice(region.depts)
        declared = rng.random()
        parcours = True if declared < 0.35 else (False if declared < 0.4 else None)
        _ml_person(
            rng,
            truth,
            region,
            dept,
            p.id_jeune,
            p.sexe,
            p.naissance,
            first,
            horizon,
            parcours,
            prefer_cej=rng.random() < 0.7,
        )
    return public


# --------------------------------------------------------------------------------------------
# Habitat Jeunes
# --------------------------------------------------------------------------------------------


def _place_conventions(places: list[int], residences: list[dict[str, object]]) -> list[int]:
    """The residence (index) that holds each convention: never more places reserved than beds.

    A department's conventions (domain.md) are spread over its residences, largest first, each
    on the residence where the reserved places would weigh least once it is added (ties: the
    first residence). Large conventions still exceed the 15 % ceiling (Gard reserves more than
    a hundred places), which `residences_plafond` is there to show; but a residence never gets
    more reserved places than its capacity — in the rare case no residence can take a
    convention, the one with the most free beds is enlarged to hold it. Deterministic: no
    random draw, so the rest of the demo is drawn as before.
    """
    reserved = [0] * len(residences)
    hosts = [0] * len(places)
    for j in sorted(range(len(places)), key=lambda j: (-places[j], j)):
        capacity = [_int(r["capacite_places"]) for r in residences]
        fits = [k for k in range(len(residences)) if reserved[k] + places[j] <= capacity[k]]
        if fits:
            k = min(fits, key=lambda k: ((reserved[k] + places[j]) / capacity[k], k))
        else:
            k = max(range(len(residences)), key=lambda k: (capacity[k] - reserved[k], -k))
            residences[k]["capacite_places"] = reserved[k] + places[j]
        reserved[k] += places[j]
        hosts[j] = k
    return hosts


def _simulate_hj(
    rng: random.Random,
    region: Region,
    years: range,
    horizon: D,
    ase: list[AsePerson],
    public: list[tuple[str, str, D]],
    truth: Truth,
) -> None:
    occitanie = region.code == DEFAULT_REGION
    no_offer = NO_HJ_OFFER_OCCITANIE if occitanie else set()
    n_res = round(HJ_RESIDENCES_PER_OCCITANIE * region.population / OCCITANIE_POPULATION)
    offer_weights = {d: w for d, w in region.weights.items() if d not in no_offer}
    total_w = sum(offer_weights.values())
    young_adults: dict[str, list[AsePerson]] = {}
    for p in ase:
        young_adults.setdefault(c.display_dept(p.dept), []).append(p)
    ml_public: dict[str, list[str]] = {}
    for id_jeune, dept, _ in public:
        ml_public.setdefault(dept, []).append(id_jeune)
    for dept, w in offer_weights.items():
        k = max(1, round(n_res * w / total_w))
        n_assoc = 1 if k <= 2 else min(3, 1 + k // 4)
        residences = []
        for i in range(k):
            asso = f"HJ{dept}{(i % n_assoc) + 1:02d}"
            capacity = max(
                10, int(rng.gauss(HJ_PLACES_PER_OCCITANIE / HJ_RESIDENCES_PER_OCCITANIE, 22))
            )
            codes, weights = region.communes[dept]
            commune = codes[int(np.searchsorted(np.cumsum(weights), rng.random() * 0.999999))]
            res = dict(
                dept=dept,
                producteur=asso,
                id_residence=f"R{dept}{i + 1:03d}",
                nom_residence=f"Résidence Habitat Jeunes n°{i + 1} – {dept}",
                association=f"Association Habitat Jeunes {asso}",
                hj_dept=dept,
                commune=commune,
                capacite_places=capacity,
                nb_logements=max(1, int(capacity * rng.uniform(0.7, 0.95))),
                type_offre=_weighted(
                    rng, {"COLLECTIF": 0.55, "DIFFUS": 0.15, "IML": 0.1, "MIXTE": 0.2}
                ),
            )
            residences.append(res)
        conventions = CONVENTIONS_OCCITANIE.get(dept, []) if occitanie else []
        hosts = _place_conventions([places for _, places, _, _ in conventions], residences)
        for res in residences:  # as placed: a capacity may have grown to hold a convention
            truth.add("hj_residences", **res)
        conv_rows = []
        for j, (public_code, places, financeur, dept_financeur) in enumerate(conventions):
            res = residences[hosts[j]]
            start = D(rng.randint(years.start - 4, years.start), rng.choice([1, 4, 9]), 1)
            end = (
                None
                if rng.random() < 0.6
                else D(rng.randint(years.start + 1, years.stop + 2), 12, 31)
            )
            row = dict(
                dept=dept,
                producteur=res["producteur"],
                id_convention=f"C{dept}{j + 1:02d}",
                id_residence=res["id_residence"],
                financeur=financeur,
                dept_financeur=dept_financeur,
                public=public_code,
                places_reservees=places,
                modalite_financement=_weighted(
                    rng, {"PRIX_DE_JOURNEE": 0.5, "SUBVENTION": 0.3, "DOTATION_GLOBALE": 0.2}
                ),
                date_debut=start,
                date_fin=end,
            )
            conv_rows.append(row)
            truth.add("hj_conventions", **row)

        def stay(
            res: dict[str, object],
            id_jeune: str,
            start: D,
            end: D | None,
            conv: str | None,
            ase_flag: bool,
            orientation: str,
        ) -> None:
            truth.add(
                "hj_sejours",
                dept=res["dept"],
                producteur=res["producteur"],
                id_sejour=truth.next_id(f"SJ{res['dept']}"),
                id_jeune=id_jeune,
                id_residence=res["id_residence"],
                id_convention=conv,
                date_entree=start,
                date_sortie=end,
                statut_entree=_weighted(
                    rng,
                    {
                        "SALARIE": 0.3,
                        "APPRENTI": 0.2,
                        "FORMATION": 0.2,
                        "DEMANDEUR_EMPLOI": 0.12,
                        "ETUDIANT": 0.12,
                        "AUTRE": 0.06,
                    },
                ),
                prise_en_charge_ase=ase_flag,
                orientation=orientation,
                logement_sortie=_weighted(rng, SITUATION_WEIGHTS["logement_sortie"])
                if end
                else None,
            )

        # Places under convention: each place is a slot filled by successive stays.
        for conv in conv_rows:
            res = next(r for r in residences if r["id_residence"] == conv["id_residence"])
            # Who may hold such a place: a measure of the right kind (young-adult for CJM and
            # ex-MNA places, any for protected minors) in the financing department.
            minors = conv["public"] == "MINEURS_PROTEGES"
            periods = [
                (m["date_debut"], m["date_fin"], p.id_jeune)
                for p in young_adults.get(str(conv["dept_financeur"] or dept), [])
                if p.mna or conv["public"] != "EX_MNA"
                for m in p.measures
                if minors != (m["type_mesure"] in c.MESURES_JEUNE_MAJEUR)
            ]
            cstart, cend = conv["date_debut"], conv["date_fin"] or horizon
            assert isinstance(cstart, D) and isinstance(cend, D)
            for _slot in range(_int(conv["places_reservees"])):
                cursor = cstart + dt.timedelta(days=rng.randint(0, 90))
                while cursor < min(cend, horizon):
                    end = cursor + dt.timedelta(days=rng.randint(90, 540))
                    end_or_none: D | None = None if end > min(cend, horizon) else end
                    if end_or_none is None and cend < horizon:
                        end_or_none = cend
                    eligible = [who for s, e, who in periods if s <= cursor <= e]  # type: ignore[operator]
                    # Most residents under convention are known to the financing ASE; a few
                    # come from another department's care or were never declared.
                    who = rng.choice(eligible) if eligible and rng.random() < 0.9 else None
                    stay(
                        res,
                        who or _hex(rng),
                        cursor,
                        end_or_none,
                        str(conv["id_convention"]),
                        True,
                        "ASE",
                    )
                    if end_or_none is None:
                        break
                    cursor = end_or_none + dt.timedelta(days=rng.randint(1, 60))
        # Ordinary stays: about 1.8 residents a place a year, some known to a Mission Locale.
        for res in residences:
            ordinary = _int(res["capacite_places"]) - sum(
                _int(cv["places_reservees"])
                for cv in conv_rows
                if cv["id_residence"] == res["id_residence"]
            )
            for _slot in range(max(0, int(ordinary * 0.85))):
                cursor = D(years.start - 1, 1, 1) + dt.timedelta(days=rng.randint(0, 365))
                while cursor < horizon:
                    end = cursor + dt.timedelta(days=rng.randint(30, 400))
                    end_or_none = None if end > horizon else end
                    pool_ml = ml_public.get(dept, [])
                    who = rng.choice(pool_ml) if pool_ml and rng.random() < 0.3 else _hex(rng)
                    stay(
                        res,
                        who,
                        cursor,
                        end_or_none,
                        None,
                        False,
                        _weighted(rng, {"ML": 0.3, "SIAO": 0.15, "SPONTANEE": 0.45, "AUTRE": 0.1}),
                    )
                    if end_or_none is None:
                        break
                    cursor = end_or_none + dt.timedelta(days=rng.randint(1, 30))
        # Young people leaving care towards Habitat Jeunes, outside conventions.
        for p in young_adults.get(dept, []):
            for exit_day, _age in p.exits:
                if rng.random() < 0.08 and exit_day < horizon:
                    start = exit_day + dt.timedelta(days=rng.randint(0, 20))
                    end = start + dt.timedelta(days=rng.randint(60, 500))
                    stay(
                        rng.choice(residences),
                        p.id_jeune,
                        start,
                        None if end > horizon else end,
                        None,
                        False,
                        "ASE",
                    )


# --------------------------------------------------------------------------------------------
# Yearly extracts and writing
# --------------------------------------------------------------------------------------------

# Start / end columns deciding whether a record is active in a year, and the columns hidden
# when the end lies after the extraction day.
_ACTIVITY: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "ase_mesures": ("date_debut", "date_fin", ("motif_fin",)),
    "ase_sorties": ("date_sortie", "date_sortie", ()),
    "ase_entretiens": ("date_entretien", "date_entretien", ()),
    "ase_autonomie": ("date_projet", "date_projet", ()),
    "ml_accompagnements": ("date_entree", "date_sortie", ("motif_sortie",)),
    "ml_situations": ("date_debut", "date_fin", ()),
    "hj_conventions": ("date_debut", None, ()),
    "hj_sejours": ("date_entree", "date_sortie", ("logement_sortie",)),
}


def _extract(rows: list[dict[str, object]], table: str, year: int) -> list[dict[str, object]]:
    jan1, dec31, extraction = D(year, 1, 1), D(year, 12, 31), D(year + 1, 1, 31)
    start_col, end_col, hidden = _ACTIVITY[table]
    out = []
    for r in rows:
        start = r[start_col]
        end = r[end_col] if end_col else r.get("date_fin")
        assert isinstance(start, D)
        if start > dec31 or (end is not None and end < jan1):  # type: ignore[operator]
            continue
        if start > extraction:
            continue
        row = dict(r)
        if end_col and end is not None and end > extraction:  # type: ignore[operator]
            row[end_col] = None
            for h in hidden:
                row[h] = None
        out.append(row)
    return out


def _format(value: object, style: Style, kind: c.Kind) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return style.booleans[0] if value else style.booleans[1]
    if isinstance(value, D):
        return value.strftime("%d/%m/%Y") if style.french_dates else value.isoformat()
    text = str(value)
    if style.sloppy_codes and kind in (c.Kind.CODE, c.Kind.CODES) and not text.isdigit():
        return f" {text.lower()} "
    return text


def _write(
    path: Path, table: c.Table, rows: list[dict[str, object]], style: Style, rng: random.Random
) -> None:
    columns = list(table.column_names)
    if style.shuffle_columns:
        rng.shuffle(columns)
    source_col = {"dept": "hj_dept"} if table.name == "hj_residences" else {}
    header = [col.upper() if style.upper_headers else col for col in columns]
    frame = pl.DataFrame(
        {
            h: [
                _format(r.get(source_col.get(col, col)), style, table.column(col).kind)
                for r in rows
            ]
            for h, col in zip(header, columns, strict=True)
        },
        schema=dict.fromkeys(header, pl.Utf8),
    )
    text = frame.write_csv(separator=style.delimiter, quote_style="necessary")
    data = text.encode("cp1252" if style.encoding == "cp1252" else "utf-8")
    if style.encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def _partition(row: dict[str, object]) -> tuple[str, str | None]:
    """(department, producer) of a truth row: the delivery it goes to."""
    producer = row.get("producteur")
    return str(row["dept"]), None if producer is None else str(producer)


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _group(
    rows: Iterable[dict[str, object]], key: Callable[[dict[str, object]], tuple[str, str | None]]
) -> dict[tuple[str, str | None], list[dict[str, object]]]:
    out: dict[tuple[str, str | None], list[dict[str, object]]] = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return out


@dataclass
class GenerationSummary:
    deliveries: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def generate(
    out: Path,
    seed: int = 2026,
    years: range = range(2021, 2025),
    region_code: str = DEFAULT_REGION,
    scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write synthetic deliveries under `out/<source>/<dept>/<annee>/` and return counts.

    `region_code` is a COG region, or `all` for every department of the COG (overseas
    included), simulated region by region so that memory holds one region at a time. Each
    region draws from its own random stream — Occitanie's is the seed's, so that its
    deliveries are the same alone or within the whole country."""
    say = progress or (lambda _msg: None)
    summary = GenerationSummary(rows={t: 0 for t in c.TABLES})
    if region_code != ALL_REGIONS:
        _generate_region(out, random.Random(seed), region_code, years, scale, say, summary)
        return summary
    codes = sorted({d.region for d in departements()})
    for i, code in enumerate(codes, start=1):
        if _region(code).population == 0:  # TAAF, Clipperton: nobody lives there
            say(f"région {code} ({i}/{len(codes)}) : sans habitants, aucune livraison")
            continue
        say(f"région {code} ({i}/{len(codes)})")
        rng = random.Random(seed if code == DEFAULT_REGION else f"{seed}:{code}")
        _generate_region(out, rng, code, years, scale, say, summary)
    return summary


def _generate_region(
    out: Path,
    rng: random.Random,
    region_code: str,
    years: range,
    scale: float,
    say: Callable[[str], None],
    summary: GenerationSummary,
) -> None:
    region = _region(region_code)
    horizon = D(years.stop, 1, 31)  # extraction day of the last year
    truth = Truth()
    say("simulation des parcours ASE…")
    ase = _simulate_ase(rng, region, years, horizon, scale, truth)
    say("simulation des accompagnements en Mission Locale…")
    public = _simulate_ml(rng, region, years, horizon, scale, ase, truth)
    say("simulation des séjours en Habitat Jeunes…")
    _simulate_hj(rng, region, years, horizon, ase, public, truth)

    producers: dict[str, Style] = {}

    def style_of(producer: str) -> Style:
        if producer not in producers:
            producers[producer] = STYLES[0] if rng.random() < 0.55 else rng.choice(STYLES[1:])
        return producers[producer]

    say("écriture des extractions annuelles…")
    for year in years:
        # ASE: one delivery per department; persons = those the other tables mention.
        for source in c.SOURCES:
            per_partition: dict[tuple[str, str | None], dict[str, list[dict[str, object]]]] = {}
            for table in c.tables_of(source):
                if table.name in ("ase_jeunes", "ml_jeunes", "hj_residences"):
                    continue
                for part, rows in _group(
                    _extract(truth.rows[table.name], table.name, year), _partition
                ).items():
                    per_partition.setdefault(part, {})[table.name] = rows
            if source == "ase":
                persons = _group(truth.rows["ase_jeunes"], lambda r: (str(r["dept"]), None))
                for part, tables in per_partition.items():
                    ids = {r["id_jeune"] for rows in tables.values() for r in rows}
                    tables["ase_jeunes"] = [
                        r for r in persons.get(part, []) if r["id_jeune"] in ids
                    ]
            elif source == "ml":
                persons = _group(truth.rows["ml_jeunes"], _partition)
                for part, tables in per_partition.items():
                    ids = {r["id_jeune"] for rows in tables.values() for r in rows}
                    tables["ml_jeunes"] = [r for r in persons.get(part, []) if r["id_jeune"] in ids]
            else:
                residences = _group(truth.rows["hj_residences"], _partition)
                for part, res_rows in residences.items():
                    tables = per_partition.setdefault(part, {})
                    tables["hj_residences"] = res_rows
                    for t in ("hj_conventions", "hj_sejours"):
                        tables.setdefault(t, [])
            by_dept: dict[str, list[str | None]] = {}
            for dept, producer in per_partition:
                by_dept.setdefault(dept, []).append(producer)
            for (dept, producer), tables in sorted(
                per_partition.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
            ):
                folder = out / source / dept / str(year)
                folder.mkdir(parents=True, exist_ok=True)
                suffix = f"__{producer}" if producer and len(by_dept[dept]) > 1 else ""
                style = style_of(f"{source}-{dept}-{producer}")
                for table_name, rows in tables.items():
                    if table_name == "ase_autonomie" and not rows:
                        continue
                    _write(
                        folder / f"{table_name}{suffix}.csv", c.TABLES[table_name], rows, style, rng
                    )
                    summary.rows[table_name] += len(rows)
                summary.deliveries += 1
