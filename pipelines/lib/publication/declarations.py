"""What is published, and how each column is protected, as declared beside the dbt models.

There is no list of marts or columns in Python: the published set and every column's
disclosure class are read from the dbt manifest (`target/manifest.json` of the build that
produced the warehouse). Anything missing or contradictory stops the publication (fail closed,
docs/marts.md, 1.1): a mart added without declarations, or a column renamed, must never be published
unmasked.

The schema of the declarations (dbt `meta`, under `config:`):

Model level, for every model of the `marts` schema::

    config:
      meta:
        publication: publie            # or: interne (never leaves the warehouse)
        grain: [annee, dept]           # key columns (published models); with `dept`, the
                                       # rows `dept = R<region>` are the regional totals
        sommes:                        # within a row: a total and its parts
          - {total: nb_sorties, parties: [nb_a, nb_b]}
        sommes_de_lignes:              # across rows: the rows sharing `par` add up, in
          - colonne: nb_sorties        # `colonne`, to a total published in another mart
            par: [annee, dept, dimension]
            total: sorties_ase_synthese.nb_sorties

Column level, for every column of a published model::

    config: {meta: {secret: effectif}}        # a count of persons: masked from 1 to seuil − 1
    config: {meta: {secret: part, population: [nb_sorties, -nb_situation_inconnue],
                    calculee_de: [nb_sorties_seches], decimales: 4}}
        # a share, rate or quantile: masked when its population (a signed sum of counts) is
        # below seuil, or when a count it is computed from (population and `calculee_de`) is
        # masked
    config: {meta: {secret: derive, derive_de: [nb_jeunes_presents], decimales: 1}}
        # derived from persons (days, estimates): masked with the counts it derives from;
        # `derive_de: []` says, explicitly, that it derives from no published count
    config: {meta: {secret: hors_secret}}     # not about persons: never masked

`decimales` (optional, any class): the digits a decimal column is rounded to in every
published form (default 4).
"""

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARTS_SCHEMA = "marts"
PUBLISHED = "publie"
INTERNAL = "interne"

COUNT = "effectif"
SHARE = "part"
DERIVED = "derive"
NOT_PERSONS = "hors_secret"
CLASSES = (COUNT, SHARE, DERIVED, NOT_PERSONS)
DEFAULT_DECIMALS = 4

# What the data dictionary says of each class (French, for readers).
CLASS_LABELS = {
    COUNT: "effectif de personnes",
    SHARE: "part, taux ou quantile",
    DERIVED: "dérivé de personnes",
    NOT_PERSONS: "hors secret (ne porte pas sur des personnes)",
}

_MODEL_KEYS = {"publication", "grain", "sommes", "sommes_de_lignes"}
_COLUMN_KEYS = {"secret", "population", "calculee_de", "derive_de", "decimales"}


class PublicationRefusee(RuntimeError):
    """The declarations do not allow a safe publication. The message is French and names every
    model and column concerned; nothing has been published."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "Publication refusée : rien n'a été publié, la publication précédente reste en "
            "place.\n" + "\n".join(f"  - {p}" for p in self.problems)
        )


@dataclass(frozen=True)
class ColumnDeclaration:
    name: str
    description: str
    secret: str
    # For a share: the signed counts its population adds up (+1 / −1).
    population: tuple[tuple[str, int], ...] = ()
    # For a share: the counts it is computed from (its population's included); for a derived
    # value: the counts it derives from.
    depends_on: tuple[str, ...] = ()
    decimals: int = DEFAULT_DECIMALS

    @property
    def label(self) -> str:
        """The class as the data dictionary writes it."""
        base = CLASS_LABELS[self.secret]
        if self.secret == SHARE:
            terms = [("− " if sign < 0 else "+ ") + c for c, sign in self.population]
            population = " ".join(terms).removeprefix("+ ")
            return f"{base} (population : {population})"
        if self.secret == DERIVED:
            if self.depends_on:
                return f"{base} (masqué avec {', '.join(self.depends_on)})"
            return f"{base} (estimation ; ne dérive d'aucun effectif publié)"
        return base


@dataclass(frozen=True)
class RowSum:
    """Within a row: `total` = sum of `parts`."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class RowsSum:
    """Across rows: the rows sharing `by` add up, in `column`, to `total` (`mart.column`),
    published elsewhere."""

    column: str
    by: tuple[str, ...]
    total: str


@dataclass(frozen=True)
class MartDeclaration:
    name: str
    description: str
    grain: tuple[str, ...]
    columns: tuple[ColumnDeclaration, ...]
    sums: tuple[RowSum, ...] = ()
    rows_sums: tuple[RowsSum, ...] = ()

    def column(self, name: str) -> ColumnDeclaration:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def of_class(self, secret: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.secret == secret)


@dataclass(frozen=True)
class Declarations:
    """The published marts in the manifest's order (by path), and the internal ones."""

    marts: tuple[MartDeclaration, ...]
    internal: tuple[str, ...] = field(default=())
    # dbt unique ids of the published models, for lineage.
    unique_ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.marts)

    def mart(self, name: str) -> MartDeclaration:
        return next(m for m in self.marts if m.name == name)


def _meta(node: Mapping[str, Any]) -> dict[str, Any]:
    """`config.meta` and the older top-level `meta`, merged (dbt copies one into the other)."""
    merged = dict(node.get("meta") or {})
    merged.update((node.get("config") or {}).get("meta") or {})
    return merged


def _names(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return list(value)
    return None


def _marts_models(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    nodes = [
        n
        for n in (manifest.get("nodes") or {}).values()
        if n.get("resource_type") == "model" and n.get("schema") == MARTS_SCHEMA
    ]
    return sorted(nodes, key=lambda n: (str(n.get("original_file_path")), str(n.get("name"))))


def _model_problem(model: str, text: str) -> str:
    return f"modèle « {model} » : {text}"


def _column_problem(model: str, column: str, text: str) -> str:
    return f"modèle « {model} », colonne « {column} » : {text}"


def _column(
    model: str, name: str, col: Mapping[str, Any], problems: list[str]
) -> ColumnDeclaration | None:
    meta = _meta(col)
    description = str(col.get("description") or "").strip()
    secret = meta.get("secret")
    if secret is None:
        problems.append(
            _column_problem(
                model,
                name,
                "aucune classe de secret déclarée (ajoutez `config: {meta: {secret: …}}` : "
                + ", ".join(CLASSES)
                + ").",
            )
        )
        return None
    if secret not in CLASSES:
        problems.append(
            _column_problem(
                model,
                name,
                f"classe de secret « {secret} » inconnue (attendu : {', '.join(CLASSES)}).",
            )
        )
        return None
    for key in sorted(set(meta) - _COLUMN_KEYS):
        problems.append(_column_problem(model, name, f"clé de déclaration inconnue « {key} »."))
    if not description:
        problems.append(
            _column_problem(
                model,
                name,
                "publiée sans description (`description:` dans le YAML) : le dictionnaire et "
                "la base des analystes la donnent aux lecteurs.",
            )
        )
    decimals = meta.get("decimales", DEFAULT_DECIMALS)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 10:
        problems.append(
            _column_problem(
                model, name, f"« decimales » doit être un entier de 0 à 10 ({decimals})."
            )
        )
        decimals = DEFAULT_DECIMALS
    population: list[tuple[str, int]] = []
    depends: list[str] = []
    if secret == SHARE:
        terms = _names(meta.get("population"))
        if not terms:
            problems.append(
                _column_problem(
                    model,
                    name,
                    "une part doit déclarer sa population, somme signée d'effectifs "
                    "(par exemple `population: [nb_sorties, -nb_situation_inconnue]`).",
                )
            )
            return None
        population = [(t[1:], -1) if t.startswith("-") else (t, 1) for t in terms]
        extra = meta.get("calculee_de", [])
        extra_names = _names(extra) if extra != [] else []
        if extra_names is None:
            problems.append(
                _column_problem(model, name, "« calculee_de » doit être une liste de colonnes.")
            )
            extra_names = []
        depends = list(dict.fromkeys([c for c, _ in population] + extra_names))
    elif secret == DERIVED:
        raw = meta.get("derive_de")
        derived_from = _names(raw) if raw != [] else []
        if derived_from is None:
            problems.append(
                _column_problem(
                    model,
                    name,
                    "une valeur dérivée doit déclarer `derive_de`, la liste des effectifs avec "
                    "lesquels elle est masquée (`derive_de: []` si elle n'en a aucun).",
                )
            )
            return None
        depends = derived_from
    else:
        for key in ("population", "calculee_de", "derive_de"):
            if key in meta:
                problems.append(
                    _column_problem(
                        model, name, f"« {key} » n'a pas de sens pour la classe « {secret} »."
                    )
                )
    return ColumnDeclaration(name, description, secret, tuple(population), tuple(depends), decimals)


def _check_references(
    mart: MartDeclaration, problems: list[str], counts_elsewhere: Mapping[str, set[str]]
) -> None:
    """Every column a declaration names exists in the model, and the counts are counts."""
    known = set(mart.column_names)
    counts = set(mart.of_class(COUNT))

    def need_count(where: str, column: str, ref: str) -> None:
        if ref not in known:
            problems.append(
                _column_problem(
                    mart.name, column, f"{where} nomme la colonne « {ref} », qui n'existe pas."
                )
            )
        elif ref not in counts:
            problems.append(
                _column_problem(
                    mart.name,
                    column,
                    f"{where} nomme « {ref} », qui n'est pas déclarée « {COUNT} ».",
                )
            )

    for col in mart.columns:
        if col.secret == SHARE:
            for ref in col.depends_on:
                need_count("sa population ou « calculee_de »", col.name, ref)
        elif col.secret == DERIVED:
            for ref in col.depends_on:
                need_count("« derive_de »", col.name, ref)
    for key in mart.grain:
        if key not in known:
            problems.append(
                _column_problem(mart.name, key, "nommée dans « grain » mais n'existe pas.")
            )
    for s in mart.sums:
        for ref in (s.total, *s.parts):
            need_count("une somme (« sommes »)", s.total, ref)
    for rs in mart.rows_sums:
        need_count("une somme de lignes (« sommes_de_lignes »)", rs.column, rs.column)
        for key in rs.by:
            if key not in known:
                problems.append(
                    _column_problem(
                        mart.name,
                        key,
                        "nommée dans « sommes_de_lignes.par » mais n'existe pas.",
                    )
                )
        other, _, other_col = rs.total.partition(".")
        if other_col not in counts_elsewhere.get(other, set()):
            problems.append(
                _column_problem(
                    mart.name,
                    rs.column,
                    f"« sommes_de_lignes.total » nomme « {rs.total} », qui n'est pas un effectif "
                    "d'un mart publié.",
                )
            )


def _structures(
    name: str, meta: Mapping[str, Any], problems: list[str]
) -> tuple[tuple[str, ...], tuple[RowSum, ...], tuple[RowsSum, ...]]:
    grain = _names(meta.get("grain"))
    if grain is None:
        problems.append(
            _model_problem(
                name, "un mart publié doit déclarer son grain (`grain: [colonnes clés]`)."
            )
        )
        grain = []
    sums: list[RowSum] = []
    for item in meta.get("sommes") or []:
        parts = _names(item.get("parties")) if isinstance(item, dict) else None
        total = item.get("total") if isinstance(item, dict) else None
        if not isinstance(total, str) or not parts:
            problems.append(
                _model_problem(
                    name, f"« sommes » mal formée ({item!r}) : attendu {{total, parties}}."
                )
            )
            continue
        sums.append(RowSum(total, tuple(parts)))
    rows_sums: list[RowsSum] = []
    for item in meta.get("sommes_de_lignes") or []:
        ok = isinstance(item, dict)
        column = item.get("colonne") if ok else None
        by = _names(item.get("par")) if ok else None
        total = item.get("total") if ok else None
        if not isinstance(column, str) or by is None or not isinstance(total, str):
            problems.append(
                _model_problem(
                    name,
                    f"« sommes_de_lignes » mal formée ({item!r}) : attendu {{colonne, par, "
                    "total: mart.colonne}}.",
                )
            )
            continue
        rows_sums.append(RowsSum(column, tuple(by), total))
    return tuple(grain), tuple(sums), tuple(rows_sums)


def read_declarations(manifest: Mapping[str, Any]) -> Declarations:
    """The declarations of every model of the `marts` schema; raises `PublicationRefusee`
    listing every problem found (a model neither published nor internal, a published column
    without a class, a class naming a column that does not exist, …)."""
    problems: list[str] = []
    marts: list[MartDeclaration] = []
    internal: list[str] = []
    ids: dict[str, str] = {}
    for node in _marts_models(manifest):
        name = str(node["name"])
        meta = _meta(node)
        status = meta.get("publication")
        if status == INTERNAL:
            internal.append(name)
            continue
        if status != PUBLISHED:
            if status is None:
                said = "ne déclare ni « publication: publie » ni « publication: interne »"
            else:
                said = f"déclare « publication: {status} », qui n'est ni « publie » ni « interne »"
            problems.append(
                _model_problem(
                    name,
                    f"{said} (`config: {{meta: {{publication: …}}}}` dans son fichier YAML) : "
                    "un mart du schéma marts doit dire s'il est publié.",
                )
            )
            continue
        for key in sorted(set(meta) - _MODEL_KEYS):
            problems.append(_model_problem(name, f"clé de déclaration inconnue « {key} »."))
        columns = [
            c
            for c in (
                _column(name, col_name, col, problems)
                for col_name, col in (node.get("columns") or {}).items()
            )
            if c is not None
        ]
        if not str(node.get("description") or "").strip():
            problems.append(
                _model_problem(name, "publié sans description (`description:` dans le YAML).")
            )
        if not node.get("columns"):
            problems.append(
                _model_problem(name, "publié mais aucune colonne n'est déclarée dans son YAML.")
            )
        grain, sums, rows_sums = _structures(name, meta, problems)
        marts.append(
            MartDeclaration(
                name,
                str(node.get("description") or "").strip(),
                grain,
                tuple(columns),
                sums,
                rows_sums,
            )
        )
        ids[name] = str(node["unique_id"])
    counts_elsewhere = {m.name: set(m.of_class(COUNT)) for m in marts}
    for mart in marts:
        _check_references(mart, problems, counts_elsewhere)
    if problems:
        raise PublicationRefusee(problems)
    return Declarations(tuple(marts), tuple(internal), ids)


def load_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise PublicationRefusee(
            [
                f"manifeste dbt introuvable ({path}) : il décrit ce qui est publié ; relancez "
                "la modélisation (dbt build) avant de publier."
            ]
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def check_table(mart: MartDeclaration, table_columns: Iterable[str]) -> list[str]:
    """Problems between a published mart's declarations and its built table: a column of the
    table without declaration would be published unprotected; a declared column missing from
    the table would leave a rule without its column."""
    built = list(table_columns)
    problems = [
        _column_problem(
            mart.name,
            c,
            "présente dans la table construite mais sans déclaration dans le YAML du modèle "
            "(ajoutez la colonne et sa classe de secret).",
        )
        for c in built
        if c not in mart.column_names
    ]
    problems += [
        _column_problem(
            mart.name,
            c,
            "déclarée dans le YAML mais absente de la table construite "
            f"{MARTS_SCHEMA}.{mart.name}.",
        )
        for c in mart.column_names
        if c not in built
    ]
    return problems


def published_unique_ids(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Published marts → dbt unique ids, tolerating incomplete declarations (for lineage at
    definition time: the publication step itself fails closed)."""
    return {
        str(n["name"]): str(n["unique_id"])
        for n in _marts_models(manifest)
        if _meta(n).get("publication") == PUBLISHED
    }


def manifest_of(warehouse: Path) -> Path:
    """Where the manifest of the dbt build that produced `warehouse` is kept, beside it."""
    return warehouse.with_name(f"{warehouse.stem}.manifest.json")


def keep_manifest(build_manifest: Path, warehouse: Path) -> None:
    """Keep the manifest of the build that just wrote `warehouse`, replaced in one rename."""
    if not build_manifest.is_file():
        return
    target = manifest_of(warehouse)
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(build_manifest, temporary)
    os.replace(temporary, target)


def project_declarations(project_dir: Path) -> Declarations:
    """The declarations of a parsed dbt project (its `target/manifest.json`)."""
    return read_declarations(load_manifest(project_dir / "target" / "manifest.json"))
