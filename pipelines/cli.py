"""The `observatoire` command: parses arguments and calls `lib/` or the runner.

Whatever happens, the command ends with a French message and an exit code, never a Python
traceback: the runner explains platform faults, and `main` catches what escapes a command.
"""

import argparse
import datetime as dt
import os
import signal
import sys
import time
import warnings
from pathlib import Path

from pipelines.lib.reference import DEFAULT_REGION
from pipelines.lib.settings import DEFAULT_SEUIL, EXPECTATIONS_DIR, Settings

ALL_REGIONS = "all"
EXIT_INTERRUPTED = 130  # as the runner's, for an interruption outside a run
RUN_EPILOG = """seules les livraisons nouvelles ou modifiées depuis leur contrôle sont lues et
contrôlées ; un run sans rien de nouveau le dit et s'arrête (la publication est à jour).

codes de sortie :
  0   toutes les livraisons en vigueur sont acceptées
  3   le run s'est terminé, et des livraisons restent refusées (leurs rapports sont listés,
      qu'elles aient été contrôlées par ce run ou par un run précédent)
  1   la plateforme a échoué (message en français ; détail dans <rapports>/erreurs.log)
  75  un autre run écrit l'entrepôt : rien n'a été fait, relancez plus tard
      (ou utilisez --attendre pour attendre sa fin)
  130 run interrompu (Ctrl-C)

Le run est enregistré dans l'instance Dagster du projet (DAGSTER_HOME, par défaut .dagster/) :
`make dev` le montre, avec ses étapes, ses contrôles et les partitions des livraisons."""


def _years(text: str) -> range:
    try:
        if "-" in text:
            first, last = (int(x) for x in text.split("-", 1))
        else:
            first = last = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"années attendues sous la forme 2021-2024 : {text}"
        ) from exc
    if not 1990 <= first <= last <= dt.date.today().year - 1:
        raise argparse.ArgumentTypeError(
            f"années attendues entre 1990 et {dt.date.today().year - 1} : {text}"
        )
    return range(first, last + 1)


def _seuil(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"nombre entier attendu : {text}") from exc
    if value < 2:
        raise argparse.ArgumentTypeError(f"le seuil doit valoir au moins 2 : {text}")
    return value


def _region(text: str) -> str:
    from pipelines.lib.reference import departements

    codes = {d.region for d in departements()}
    if text != ALL_REGIONS and text not in codes:
        raise argparse.ArgumentTypeError(
            f"code région COG 2026 attendu (par exemple 76), ou « {ALL_REGIONS} » : {text}"
        )
    return text


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"date attendue sous la forme AAAA-MM-JJ : {text}"
        ) from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatoire",
        description="Observatoire des parcours jeunes : livraisons ASE, Missions Locales et "
        "Habitat Jeunes → contrôles → marts publiés.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="génère des livraisons de démonstration (synthétiques)")
    gen.add_argument("--out", type=Path, default=Path("data/raw"))
    gen.add_argument("--seed", type=int, default=2026)
    gen.add_argument("--years", type=_years, default=range(2021, 2025), help="ex. 2021-2024")
    gen.add_argument(
        "--region",
        type=_region,
        default=DEFAULT_REGION,
        help=f"code région COG (76 = Occitanie), ou « {ALL_REGIONS} » pour toute la France "
        "(tous les départements du COG, outre-mer compris)",
    )
    gen.add_argument(
        "--echelle",
        type=float,
        default=1.0,
        help="facteur de volume (1 = ordres de grandeur réels)",
    )

    run = sub.add_parser(
        "run",
        help="contrôle, charge, modélise et publie les livraisons nouvelles ou modifiées",
        description="Lit et contrôle les livraisons nouvelles ou modifiées, promeut celles qui "
        "sont acceptées, construit les modèles dbt et publie les marts. Un seul run à la fois "
        "écrit l'entrepôt : un second run s'arrête aussitôt (code 75), ou attend avec --attendre.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--raw", type=Path, default=Path("data/raw"))
    run.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    run.add_argument("--marts", type=Path, default=Path("data/marts"))
    run.add_argument("--reports", type=Path, default=Path("data/reports"))
    run.add_argument("--region", default=DEFAULT_REGION, help="code région COG (76 = Occitanie)")
    run.add_argument(
        "--seuil",
        type=_seuil,
        default=DEFAULT_SEUIL,
        help=f"secret statistique : effectifs masqués de 1 à seuil − 1 (défaut {DEFAULT_SEUIL})",
    )
    run.add_argument(
        "--date-controle", type=_date, default=None, help="jour du contrôle (défaut : aujourd'hui)"
    )
    run.add_argument(
        "--secret-entrepot",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="fichier du secret de l'entrepôt (défaut : OBSERVATOIRE_SECRET_ENTREPOT_FILE, "
        "sinon <entrepôt>.secret)",
    )
    run.add_argument(
        "--attendre",
        action="store_true",
        help="si un autre run écrit l'entrepôt, attendre sa fin au lieu de s'arrêter (code 75)",
    )
    run.add_argument(
        "--recontroler",
        action="store_true",
        help="relire et contrôler toutes les livraisons, même inchangées depuis leur contrôle",
    )

    check = sub.add_parser(
        "check", help="contrôle une livraison sans rien charger (à l'usage des partenaires)"
    )
    check.add_argument("dossier", type=Path, help="dossier <source>/<dept>/<annee>")
    check.add_argument("--date-controle", type=_date, default=None)

    pseudo = sub.add_parser(
        "pseudonymise",
        help="remplace nom, prénom, date de naissance par id_jeune (contrat v1 §3)",
        description="Le secret est lu dans un fichier (--secret-file, ou la variable "
        "OBSERVATOIRE_SECRET_FILE qui nomme ce fichier) ; jamais sur la ligne de commande.",
    )
    pseudo.add_argument("--in", dest="source", type=Path, required=True)
    pseudo.add_argument("--out", dest="target", type=Path, required=True)
    pseudo.add_argument("--secret-file", type=Path, default=None)

    exp = sub.add_parser(
        "expectations",
        help="réécrit les suites Great Expectations et la macro dbt des listes de codes du contrat",
    )
    exp.add_argument("--out", type=Path, default=EXPECTATIONS_DIR)
    return parser


def _generate(args: argparse.Namespace) -> int:
    from demo.generator import generate

    if args.out.exists() and any(args.out.rglob("*.csv")):
        print(
            f"{args.out} contient déjà des livraisons : choisissez un dossier vide "
            "(les livraisons ne sont jamais écrasées)."
        )
        return 2
    started = time.monotonic()
    summary = generate(
        args.out,
        seed=args.seed,
        years=args.years,
        region_code=args.region,
        scale=args.echelle,
        progress=lambda m: print(f"  {m}"),
    )
    print(
        f"{summary.deliveries} livraisons synthétiques écrites dans {args.out} "
        f"en {time.monotonic() - started:.1f} s :"
    )
    for table, n in summary.rows.items():
        print(f"  {table:<20} {n:>9} lignes")
    return 0


def _run(args: argparse.Namespace) -> int:
    from pipelines.runner import print_summary, run_pipeline

    settings = Settings(
        raw_dir=args.raw,
        warehouse=args.warehouse,
        marts_dir=args.marts,
        reports_dir=args.reports,
        region=args.region,
        seuil=args.seuil,
        check_date=args.date_controle,
        warehouse_secret=args.secret_entrepot,
    )
    summary = run_pipeline(settings, wait=args.attendre, force=args.recontroler)
    print_summary(summary, settings)
    return summary.exit_code


def _check(args: argparse.Namespace) -> int:
    """`observatoire check`: 0 acceptable, 1 refused or not checkable — always a French
    answer, never a traceback (partners run it on whatever they are about to send). It needs
    neither Dagster nor dbt; Great Expectations' telemetry is turned off by the gate."""
    try:
        return _check_folder(args.dossier, args.date_controle or dt.date.today())
    except Exception as exc:
        print(
            f"Le contrôle s'est interrompu sur une erreur imprévue ({type(exc).__name__}) : "
            "rien n'a été modifié. Transmettez ce message à l'observatoire."
        )
        return 1


def _check_folder(folder: Path, check_date: dt.date) -> int:
    from pipelines.lib.contract.deliveries import delivery_for_path

    try:
        exists, is_dir = folder.exists(), folder.is_dir()
    except PermissionError:
        exists = is_dir = True  # reported below, when the folder is listed
    if not exists:
        print(
            f"Le dossier {folder} n'existe pas : indiquez le dossier de la livraison "
            "(<source>/<dept>/<annee>)."
        )
        return 1
    if not is_dir:
        print(
            f"{folder} n'est pas un dossier : indiquez le dossier qui contient les fichiers "
            "de la livraison (<source>/<dept>/<annee>), pas un fichier."
        )
        return 1
    try:
        deliveries = delivery_for_path(folder)
    except ValueError as exc:
        print(str(exc))
        return 1
    except PermissionError:
        print(f"Le dossier {folder} ne peut pas être lu : droits d'accès insuffisants.")
        return 1
    if not deliveries:
        print(f"Aucun fichier CSV dans {folder}.")
        return 1
    from pipelines.lib.quality.gate import judge, read_delivery
    from pipelines.lib.quality.notices import sibling_open_keys
    from pipelines.lib.quality.reports import report_markdown

    previous = {}
    for d in deliveries:
        found = sibling_open_keys(d)
        if found:
            print(f"Extrait de l'année précédente comparé : {d.folder.parent / str(d.annee - 1)}")
        previous.update(found)
    verdicts = judge([read_delivery(d) for d in deliveries], EXPECTATIONS_DIR, check_date, previous)
    for verdict in verdicts.values():
        print(report_markdown(verdict, check_date))
    return 0 if all(v.accepted for v in verdicts.values()) else 1


def _pseudonymise(args: argparse.Namespace) -> int:
    from pipelines.lib.contract.pseudonymisation import (
        EXCHANGE_SECRET_ENV,
        PseudonymisationError,
        SecretError,
        pseudonymise_file,
        read_secret,
        secret_path,
    )

    try:
        secret = read_secret(secret_path(args.secret_file, EXCHANGE_SECRET_ENV))
        if args.target.resolve() == args.source.resolve():
            raise PseudonymisationError("Le fichier de sortie doit différer du fichier d'entrée.")
        started = time.monotonic()
        n = pseudonymise_file(args.source, args.target, secret)
    except (SecretError, PseudonymisationError) as exc:
        print(str(exc))
        return 1
    print(f"{n} lignes pseudonymisées en {time.monotonic() - started:.1f} s → {args.target}")
    return 0


def _expectations(args: argparse.Namespace) -> int:
    """Rewrite what is derived from the contract: the Great Expectations suites and the dbt
    macro file carrying the code lists (both committed, both checked by drift tests)."""
    from pipelines.lib.contract.dbt_macros import write_contract_macros
    from pipelines.lib.contract.expectations import write_suites
    from pipelines.lib.reference import dept_codes
    from pipelines.lib.settings import DBT_PROJECT_DIR

    for path in write_suites(args.out, dept_codes()):
        print(path)
    print(write_contract_macros(DBT_PROJECT_DIR))
    return 0


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    """`kill` (SIGTERM) stops a run as Ctrl-C does: Dagster's interrupt handling ends the step,
    stops dbt and records the run's end."""
    os.kill(os.getpid(), signal.SIGINT)


def main(argv: list[str] | None = None) -> int:
    # Dagster flags beta parameters (backfill policy) at import; partners need not see it.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    args = _parser().parse_args(argv)
    handlers = {
        "generate": _generate,
        "run": _run,
        "check": _check,
        "pseudonymise": _pseudonymise,
        "expectations": _expectations,
    }
    if args.command == "run":
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print(
            "\nInterrompu. Les transactions en cours de l'entrepôt sont annulées et la "
            "publication précédente reste en place ; relancez la commande pour reprendre."
        )
        return EXIT_INTERRUPTED
    except Exception as exc:  # never a traceback for the user
        from pipelines.failures import explain_exception

        warehouse = getattr(args, "warehouse", Path("data/warehouse.duckdb"))
        print(f"Erreur : {explain_exception(exc, warehouse)}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
