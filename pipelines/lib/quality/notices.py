"""Warnings of a delivery: what the report tells the partner without refusing the delivery.

- `ENREGISTREMENT_DISPARU` (docs/contrat-echange.md §1, 1.1): records without end in the extract
  of year Y−1 of the same partition (source, delivery department, producer) that the extract of
  year Y no longer holds. They are taken as ended on 31 December Y−1 by the models; the report
  gives their count per table and key column, never the keys. The previous extract's open keys
  come in as plain data (the gate never reads the warehouse): from `raw` in `observatoire run`,
  from the sibling folder `<source>/<dept>/<Y−1>/` in `observatoire check`, or from the run itself
  when both years are judged together.
- Contradictions inside an HJ delivery (issue 11.6), each with its own code: places reserved by
  CD conventions active on 31 December above the residence's capacity; places of all
  conventions above it; more dwellings than places; more stays in progress on 31 December than
  places; a stay counted under a convention of another residence.
"""

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import replace

import polars as pl

from pipelines.lib.contract.deliveries import Delivery, delivery_from_folder
from pipelines.lib.contract.rules import MAX_LINES, Notice
from pipelines.lib.contract.tables import TABLES
from pipelines.lib.quality.reading import ReadDelivery, read_table_file

# Tables whose records have an end, and the column holding it (empty = still running).
TRACKED_ENDS: dict[str, str] = {
    "ase_mesures": "date_fin",
    "ml_accompagnements": "date_sortie",
    "ml_situations": "date_fin",
    "hj_sejours": "date_sortie",
    "hj_conventions": "date_fin",
}

# Table → business keys of the records without end (one partition's extract of one year).
OpenKeys = Mapping[str, Collection[str]]


def previous_key(delivery: Delivery) -> str:
    """The partition key of the same source, department and producer, one year earlier."""
    return replace(delivery, annee=delivery.annee - 1).key


def open_keys(read: ReadDelivery) -> dict[str, frozenset[str]]:
    """Business keys of the records without end in a delivery, per tracked table."""
    out: dict[str, frozenset[str]] = {}
    for table, end in TRACKED_ENDS.items():
        rf = read.files.get(table)
        key = TABLES[table].key[0]
        if rf is None or rf.frame is None or key not in rf.frame.columns:
            continue
        frame = rf.frame
        if end in frame.columns:
            frame = frame.filter(pl.col(end).is_null())
        out[table] = frozenset(frame[key].drop_nulls().to_list())
    return out


def disappeared(read: ReadDelivery, previous: OpenKeys) -> list[Notice]:
    """`ENREGISTREMENT_DISPARU`: per tracked table, how many of the previous extract's open
    records this delivery no longer holds."""
    d = read.delivery
    notices = []
    for table, end in TRACKED_ENDS.items():
        before = previous.get(table)
        if not before:
            continue
        key = TABLES[table].key[0]
        rf = read.files.get(table)
        if rf is None:
            held: set[str] = set()
            fichier = f"{table}__{d.producteur}.csv" if d.producteur else f"{table}.csv"
        elif rf.frame is None or key not in rf.frame.columns:
            continue  # the file itself is refused: its report says why
        else:
            held = set(rf.frame[key].drop_nulls().to_list())
            fichier = rf.path.name
        gone = sum(1 for k in before if k not in held)
        if gone:
            notices.append(
                Notice(
                    fichier,
                    key,
                    "ENREGISTREMENT_DISPARU",
                    f"{gone} enregistrement(s) de {table} sans {end} dans l'extrait "
                    f"{d.annee - 1} ne figurent plus dans cet extrait (clé {key}) : ils sont "
                    f"considérés comme terminés le 31/12/{d.annee - 1}. S'ils sont toujours "
                    "en cours, ajoutez-les à l'extrait et renvoyez-le.",
                    nb=gone,
                )
            )
    return notices


def _date(col: str) -> pl.Expr:
    return pl.col(col).str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _int(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Int64, strict=False)


def _frame(read: ReadDelivery, table: str, columns: list[str]) -> pl.DataFrame | None:
    rf = read.files.get(table)
    if rf is None or rf.frame is None or not set(columns) <= set(rf.frame.columns):
        return None
    return rf.frame


def _lines(frame: pl.DataFrame) -> tuple[list[int], int]:
    lines = frame["_ligne"].sort()
    return lines.head(MAX_LINES).to_list(), lines.len()


def hj_contradictions(read: ReadDelivery) -> list[Notice]:
    """Contradictions between an HJ delivery's residences, conventions and stays."""
    res = _frame(read, "hj_residences", ["id_residence", "capacite_places", "nb_logements"])
    if res is None:
        return []
    dec31 = dt.date(read.delivery.annee, 12, 31)
    res_file = read.files["hj_residences"].path.name
    residences = (
        res.select(
            "_ligne",
            "id_residence",
            _int("capacite_places").alias("capacite"),
            _int("nb_logements").alias("logements"),
        )
        .filter(pl.col("id_residence").is_not_null() & pl.col("capacite").is_not_null())
        .unique("id_residence", keep="first", maintain_order=True)
    )
    notices = []
    over = residences.filter(pl.col("logements") > pl.col("capacite"))
    if over.height:
        lines, nb = _lines(over)
        notices.append(
            Notice(
                res_file,
                "nb_logements",
                "LOGEMENTS_SUPERIEURS_PLACES",
                f"{nb} résidence(s) déclarent plus de logements (nb_logements) que de places "
                "(capacite_places) : l'un des deux nombres est sans doute erroné.",
                lignes=lines,
                nb=nb,
            )
        )
    conv_cols = ["id_residence", "financeur", "places_reservees", "date_debut", "date_fin"]
    conv = _frame(read, "hj_conventions", ["id_convention", *conv_cols])
    if conv is not None:
        active = conv.filter(
            (_date("date_debut") <= dec31)
            & (pl.col("date_fin").is_null() | (_date("date_fin") >= dec31))
        ).with_columns(_int("places_reservees").alias("places"))
        totals = active.group_by("id_residence").agg(
            pl.col("places").sum().alias("toutes"),
            pl.col("places").filter(pl.col("financeur") == "CD").sum().alias("cd"),
        )
        joined = residences.join(totals, on="id_residence", how="inner")
        cd_over = joined.filter(pl.col("cd") > pl.col("capacite"))
        if cd_over.height:
            lines, nb = _lines(cd_over)
            notices.append(
                Notice(
                    res_file,
                    "capacite_places",
                    "PLACES_CD_SUPERIEURES_CAPACITE",
                    f"{nb} résidence(s) où les places réservées par des conventions avec un "
                    f"conseil départemental (CD) actives au 31/12/{dec31.year} dépassent la "
                    "capacité (capacite_places) : vérifiez les places réservées et la capacité.",
                    lignes=lines,
                    nb=nb,
                )
            )
        all_over = joined.filter(
            (pl.col("toutes") > pl.col("capacite")) & ~(pl.col("cd") > pl.col("capacite"))
        )
        if all_over.height:
            lines, nb = _lines(all_over)
            notices.append(
                Notice(
                    res_file,
                    "capacite_places",
                    "PLACES_CONVENTIONS_SUPERIEURES_CAPACITE",
                    f"{nb} résidence(s) où les places réservées par l'ensemble des conventions "
                    f"actives au 31/12/{dec31.year} dépassent la capacité (capacite_places).",
                    lignes=lines,
                    nb=nb,
                )
            )
    sej = _frame(
        read, "hj_sejours", ["id_residence", "id_convention", "date_entree", "date_sortie"]
    )
    if sej is not None:
        present = sej.filter(
            (_date("date_entree") <= dec31)
            & (pl.col("date_sortie").is_null() | (_date("date_sortie") >= dec31))
        )
        crowded = residences.join(
            present.group_by("id_residence").agg(pl.len().alias("sejours")),
            on="id_residence",
            how="inner",
        ).filter(pl.col("sejours") > pl.col("capacite"))
        if crowded.height:
            lines, nb = _lines(crowded)
            notices.append(
                Notice(
                    res_file,
                    "capacite_places",
                    "SEJOURS_SUPERIEURS_CAPACITE",
                    f"{nb} résidence(s) comptent plus de séjours en cours au 31/12/{dec31.year} "
                    "que de places (capacite_places) : des dates de sortie manquent-elles ?",
                    lignes=lines,
                    nb=nb,
                )
            )
        if conv is not None:
            homes = conv.select(
                "id_convention", pl.col("id_residence").alias("residence_convention")
            ).unique("id_convention", keep="first")
            elsewhere = sej.filter(pl.col("id_convention").is_not_null()).join(
                homes, on="id_convention", how="inner"
            )
            elsewhere = elsewhere.filter(pl.col("residence_convention") != pl.col("id_residence"))
            if elsewhere.height:
                lines, nb = _lines(elsewhere)
                notices.append(
                    Notice(
                        read.files["hj_sejours"].path.name,
                        "id_convention",
                        "SEJOUR_CONVENTION_AUTRE_RESIDENCE",
                        f"{nb} séjour(s) comptés au titre d'une convention qui réserve des "
                        "places dans une autre résidence que celle du séjour.",
                        lignes=lines,
                        nb=nb,
                    )
                )
    return notices


def delivery_notices(read: ReadDelivery, previous: OpenKeys | None) -> list[Notice]:
    """Every warning of one delivery; `previous` holds the open keys of the same partition's
    extract of the year before, when one is known."""
    notices = disappeared(read, previous) if previous else []
    if read.delivery.source == "hj":
        notices.extend(hj_contradictions(read))
    return notices


def sibling_open_keys(delivery: Delivery) -> dict[str, OpenKeys]:
    """For `observatoire check`: the open records of the same producer's extract of the year
    before, read (with the same reader) from the sibling folder `<source>/<dept>/<Y−1>/` when
    it exists. Empty when there is none or it cannot be listed; a file of it that cannot be
    read counts as absent (its own check would say why)."""
    folder = delivery.folder.parent / str(delivery.annee - 1)
    try:
        if not folder.is_dir():
            return {}
        siblings = delivery_from_folder(folder, delivery.source, delivery.dept, delivery.annee - 1)
    except OSError:
        return {}
    for sibling in siblings:
        if sibling.producteur != delivery.producteur:
            continue
        files = {
            table: read_table_file(path, TABLES[table], root=folder)
            for table, path in sibling.files.items()
            if table in TRACKED_ENDS
        }
        return {sibling.key: open_keys(ReadDelivery(sibling, files))}
    return {}
