"""The pseudonymous key of docs/contrat-echange.md §3, and the observatory's warehouse key.

Partners compute `id_jeune` from an identity with a secret shared by the producers of one
observatory (`observatoire pseudonymise`). The warehouse never stores that exchange key: on
ingestion every `id_jeune` is replaced by an HMAC of it under a second secret held only by the
observatory, so that a leaked warehouse cannot be joined to a partner's exports. Linkage across
sources is unchanged because the same exchange key always gives the same warehouse key.

Secrets are read from files (never from a command-line value), are never printed or logged, and
must be at least 32 bytes.
"""

import hashlib
import hmac
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

MIN_SECRET_BYTES = 32
EXCHANGE_SECRET_ENV = "OBSERVATOIRE_SECRET_FILE"
WAREHOUSE_SECRET_ENV = "OBSERVATOIRE_SECRET_ENTREPOT_FILE"
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "ẞ": "SS"})
_NOT_AZ = re.compile(r"[^A-Z]")


class SecretError(ValueError):
    """A secret that cannot be used; the message is French and never holds the secret."""


def read_secret(path: Path) -> bytes:
    """The secret held in a file. One trailing line break (as editors and `echo` add) is not
    part of it."""
    try:
        secret = path.read_bytes()
    except OSError as exc:
        raise SecretError(f"Fichier de secret illisible : {path} ({exc.strerror}).") from None
    if secret.endswith(b"\r\n"):
        secret = secret[:-2]
    elif secret.endswith(b"\n"):
        secret = secret[:-1]
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretError(
            f"Le secret de {path} compte {len(secret)} octets : il en faut au moins "
            f"{MIN_SECRET_BYTES}."
        )
    return secret


def secret_path(explicit: Path | None, env_var: str) -> Path:
    """The secret file given on the command line, or named by the environment variable."""
    if explicit is not None:
        return explicit
    named = os.environ.get(env_var)
    if not named:
        raise SecretError(
            f"Aucun secret : indiquez --secret-file CHEMIN ou la variable {env_var} "
            "(chemin d'un fichier contenant le secret, jamais le secret lui-même)."
        )
    return Path(named)


@lru_cache(maxsize=65536)
def normalise_name(text: str) -> str:
    """Ligatures expanded, accents dropped, upper case, letters A–Z only
    (docs/contrat-echange.md §3)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_AZ.sub("", without_marks.upper())


def first_given_name(prenom: str) -> str:
    """The first given name: the text before the first comma."""
    return prenom.split(",", 1)[0]


def message(nom: str, prenom: str, naissance: str, sexe: str) -> str:
    """`NOM|PRENOM|AAAA-MM-JJ|SEXE`, normalised."""
    return f"{normalise_name(nom)}|{normalise_name(first_given_name(prenom))}|{naissance}|{sexe}"


def id_jeune(secret: bytes, nom: str, prenom: str, naissance: str, sexe: str) -> str:
    """lowercase hex(HMAC-SHA256(secret, NOM|PRENOM|AAAA-MM-JJ|SEXE))."""
    msg = message(nom, prenom, naissance, sexe).encode("utf-8")
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


class WarehouseKeys:
    """Turns exchange keys into warehouse keys (HMAC under the observatory's own secret)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def rekey(self, exchange_key: str) -> str:
        return hmac.new(self._secret, exchange_key.encode("ascii"), hashlib.sha256).hexdigest()

    def fingerprint(self) -> str:
        """Identifies the secret in use without revealing it (stored in the warehouse to detect a
        changed secret, which would split every person in two)."""
        return hmac.new(
            self._secret, b"observatoire/empreinte-du-secret", hashlib.sha256
        ).hexdigest()[:16]


def warehouse_keys(path: Path) -> WarehouseKeys:
    return WarehouseKeys(read_secret(path))


def ensure_demo_secret(path: Path) -> bool:
    """Create a random warehouse secret at `path` when none exists (demo and first set-up).
    Returns True when it was created."""
    if path.exists():
        return False
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_hex(32).encode("ascii"))
    return True


IDENTITY_COLUMNS = ("nom", "prenom", "date_naissance", "sexe")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


class PseudonymisationError(ValueError):
    """The file cannot be pseudonymised; the message is French and quotes no identity."""


def _iso_date(text: str) -> str | None:
    import datetime as dt

    text = text.strip()
    match = _DATE_ISO.match(text)
    if match:
        y, m, d = match.groups()
    else:
        match = _DATE_FR.match(text)
        if not match:
            return None
        d, m, y = match.groups()
    try:
        return dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20])
    return shown + (f"… ({len(numbers)} au total)" if len(numbers) > 20 else "")


def pseudonymise_file(source: Path, target: Path, secret: bytes) -> int:
    """Rewrite a partner's file with `id_jeune` and `annee_mois_naissance` in place of the
    identity columns (docs/contrat-echange.md §3). Nothing is written when any line cannot be keyed.
    Returns the number of rows written."""
    import csv
    import io

    from pipelines.lib.contract.deliveries import parse_file_name
    from pipelines.lib.contract.fileformat import decode, normalise_header, sniff_delimiter
    from pipelines.lib.contract.tables import TABLES

    decoded = decode(source.read_bytes())
    if decoded is None:
        raise PseudonymisationError(
            f"{source.name} n'est pas un CSV texte (UTF-8 ou Windows-1252)."
        )
    text = decoded[0]
    delimiter = sniff_delimiter(text.lstrip("\r\n").split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [normalise_header(h) for h in next(reader)]
    except StopIteration:
        raise PseudonymisationError(f"{source.name} est vide.") from None
    missing = [c for c in IDENTITY_COLUMNS if c not in header]
    if missing:
        raise PseudonymisationError(
            f"Colonne(s) d'identité absente(s) de {source.name} : {', '.join(missing)} "
            f"(attendues : {', '.join(IDENTITY_COLUMNS)})."
        )
    # Keep `sexe` and add `annee_mois_naissance` only where the target table has them (person
    # tables); a file not named after a table keeps both.
    parsed = parse_file_name(target.name) or parse_file_name(source.name)
    table = TABLES.get(parsed[0]) if parsed else None
    keep_sexe = table is None or "sexe" in table.column_names
    keep_birth = table is None or "annee_mois_naissance" in table.column_names
    idx = {c: header.index(c) for c in IDENTITY_COLUMNS}
    others = [i for i, h in enumerate(header) if h not in IDENTITY_COLUMNS and h != "id_jeune"]
    out_header = ["id_jeune"]
    if keep_birth:
        out_header.append("annee_mois_naissance")
    if keep_sexe:
        out_header.append("sexe")
    out_header += [header[i] for i in others]

    bad_dates: list[int] = []
    bad_sexes: list[int] = []
    empty_names: list[int] = []
    rows: list[list[str]] = []
    line = reader.line_num
    for record in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        cell = {c: (record[i] if i < len(record) else "") for c, i in idx.items()}
        naissance = _iso_date(cell["date_naissance"])
        sexe = cell["sexe"].strip().upper()
        if naissance is None:
            bad_dates.append(start)
        if sexe not in ("F", "M"):
            bad_sexes.append(start)
        if not normalise_name(cell["nom"]) or not normalise_name(first_given_name(cell["prenom"])):
            empty_names.append(start)
        if naissance is None or sexe not in ("F", "M"):
            continue
        out = [id_jeune(secret, cell["nom"], cell["prenom"], naissance, sexe)]
        if keep_birth:
            out.append(naissance[:7])
        if keep_sexe:
            out.append(sexe)
        out += [record[i] if i < len(record) else "" for i in others]
        rows.append(out)
    problems = []
    if bad_dates:
        problems.append(
            f"date_naissance illisible (AAAA-MM-JJ ou JJ/MM/AAAA) lignes {_lines(bad_dates)}"
        )
    if bad_sexes:
        problems.append(f"sexe différent de F ou M lignes {_lines(bad_sexes)}")
    if empty_names:
        problems.append(f"nom ou prénom vide (aucune lettre) lignes {_lines(empty_names)}")
    if problems:
        raise PseudonymisationError(
            f"{source.name} n'a pas été pseudonymisé, rien n'a été écrit :\n- "
            + "\n- ".join(problems)
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(out_header)
    writer.writerows(rows)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return len(rows)
