"""The refusal rules and the warnings of the exchange contract (docs/contrat-echange.md §5, 1.1):
a stable code each, and the French text partners read.

Codes are part of the reports that partners and the observatory's staff exchange: never rename
one; add new codes instead. A refusal (`Problem`) makes the whole delivery refused; a warning
(`Notice`) is told in the report of an accepted delivery and changes nothing downstream.
"""

from dataclasses import asdict, dataclass, field

from pipelines.lib.contract.fileformat import LIMITS


def _n(value: int) -> str:
    """A number as French readers write it: 2 000 000."""
    return f"{value:,}".replace(",", "\u202f")


# Stable rule codes → what the rule asks, in French (shown in reports).
RULES: dict[str, str] = {
    "LIVRAISON_INVALIDE": "Le dossier de livraison doit suivre la forme <source>/<dept>/<annee>.",
    "FICHIER_ILLISIBLE": "Le fichier doit être un CSV texte en UTF-8 ou Windows-1252.",
    "FICHIER_NON_REGULIER": (
        "Un fichier de livraison est un fichier ordinaire placé dans le dossier de livraison : "
        "ni lien symbolique, ni fichier spécial, ni chemin menant hors du dossier des livraisons "
        "(un tel fichier n'est pas lu)."
    ),
    "FICHIER_TROP_VOLUMINEUX": (
        f"Un fichier ne dépasse pas {_n(LIMITS.file_bytes // 2**20)} Mio ni "
        f"{_n(LIMITS.lines)} lignes (aucun export réel n'en approche)."
    ),
    "LIGNE_TROP_LONGUE": f"Une ligne ne dépasse pas {_n(LIMITS.line_chars)} caractères.",
    "CHAMP_TROP_LONG": f"Une valeur ne dépasse pas {_n(LIMITS.field_chars)} caractères.",
    "COLONNES_TROP_NOMBREUSES": f"L'en-tête ne compte pas plus de {_n(LIMITS.columns)} colonnes.",
    "ERREUR_INATTENDUE": (
        "Le contrôle d'un fichier s'est interrompu sur une erreur imprévue : la livraison est "
        "refusée par prudence, les autres livraisons ne sont pas touchées. L'observatoire "
        "examine l'erreur (le rapport en donne le type et l'endroit, jamais le contenu)."
    ),
    "LIGNE_MAL_FORMEE": "Chaque ligne doit avoir autant de champs que l'en-tête.",
    "FICHIER_INCONNU": "Chaque fichier doit porter le nom d'une table du contrat (<table>.csv).",
    "FICHIER_EN_DOUBLE": "Une table est livrée dans un seul fichier.",
    "TABLE_MANQUANTE": "Les tables obligatoires de la source doivent être livrées.",
    "COLONNE_MANQUANTE": "Toutes les colonnes du contrat doivent être présentes.",
    "COLONNE_INCONNUE": "Aucune colonne hors contrat n'est admise.",
    "COLONNE_EN_DOUBLE": "Une colonne ne doit apparaître qu'une fois dans l'en-tête.",
    "CHAMP_OBLIGATOIRE_VIDE": "Un champ obligatoire ne doit jamais être vide.",
    "CODE_HORS_LISTE": "Un code doit appartenir à la liste du contrat.",
    "DATE_ILLISIBLE": "Une date s'écrit AAAA-MM-JJ ou JJ/MM/AAAA ; une année-mois AAAA-MM.",
    "DATE_HORS_PERIODE": (
        "Une date doit être comprise entre le 1er janvier 1990 et le jour du contrôle."
    ),
    "FIN_AVANT_DEBUT": "Une date de fin ne peut pas précéder la date de début.",
    "BOOLEEN_ILLISIBLE": "Un booléen s'écrit 0/1, oui/non ou O/N.",
    "ENTIER_INVALIDE": (
        "Un nombre de places ou de logements est un entier supérieur à 0 (au plus 9 chiffres)."
    ),
    "COMMUNE_INVALIDE": "Un code commune INSEE compte 5 caractères (ex. 31555, 2A004).",
    "CLE_EN_DOUBLE": "La clé métier doit être unique dans la livraison.",
    "REFERENCE_INCONNUE": (
        "Une référence doit désigner une ligne de la table liée de la même livraison."
    ),
    "ID_JEUNE_INVALIDE": "id_jeune compte 64 caractères hexadécimaux en minuscules.",
    "IDENTIFIANT_DIRECT": "Aucune donnée directement identifiante (courriel, téléphone, NIR).",
}

# Rules after which a file has no rows to judge: it was not read, or not entirely.
FILE_FATAL_RULES = frozenset(
    {
        "FICHIER_ILLISIBLE",
        "FICHIER_NON_REGULIER",
        "FICHIER_TROP_VOLUMINEUX",
        "LIGNE_TROP_LONGUE",
        "CHAMP_TROP_LONG",
        "COLONNES_TROP_NOMBREUSES",
        "ERREUR_INATTENDUE",
    }
)

# Stable warning codes → what they tell, in French. A warning never refuses a delivery.
WARNINGS: dict[str, str] = {
    "ENREGISTREMENT_DISPARU": (
        "Un enregistrement sans date de fin dans l'extrait de l'année précédente (même source, "
        "même département, même producteur) doit figurer dans l'extrait suivant ; s'il n'y est "
        "plus, il est considéré comme terminé le 31 décembre de l'année précédente (contrat "
        "d'échange v1.1 §1). Vérifiez qu'il n'a pas été oublié à l'export."
    ),
    "PLACES_CD_SUPERIEURES_CAPACITE": (
        "Les places réservées par les conventions avec un conseil départemental (CD) actives "
        "au 31 décembre ne devraient pas dépasser la capacité de la résidence."
    ),
    "PLACES_CONVENTIONS_SUPERIEURES_CAPACITE": (
        "Les places réservées par l'ensemble des conventions actives au 31 décembre ne "
        "devraient pas dépasser la capacité de la résidence."
    ),
    "LOGEMENTS_SUPERIEURS_PLACES": (
        "Un logement compte au moins une place : nb_logements ne devrait pas dépasser "
        "capacite_places."
    ),
    "SEJOURS_SUPERIEURS_CAPACITE": (
        "Les séjours en cours au 31 décembre dans une résidence ne devraient pas dépasser sa "
        "capacité."
    ),
    "SEJOUR_CONVENTION_AUTRE_RESIDENCE": (
        "Un séjour compté au titre d'une convention devrait se dérouler dans la résidence de "
        "cette convention."
    ),
}


@dataclass
class Problem:
    """One broken rule in one file (and column), with where to find it."""

    fichier: str
    colonne: str | None
    regle: str
    message: str
    lignes: list[int] = field(default_factory=list)
    nb: int = 0
    exemples: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.regle not in RULES:
            raise ValueError(f"unknown rule code {self.regle}")
        if self.nb == 0:
            self.nb = max(len(self.lignes), 1)

    def as_dict(self) -> dict[str, object]:
        """The report's JSON form: the fields, in their order."""
        return asdict(self)


@dataclass
class Notice:
    """One warning about one file (and column): told, never a reason to refuse. It carries
    counts and line numbers only, never a value (not even a business key)."""

    fichier: str
    colonne: str | None
    code: str
    message: str
    lignes: list[int] = field(default_factory=list)
    nb: int = 0

    def __post_init__(self) -> None:
        if self.code not in WARNINGS:
            raise ValueError(f"unknown warning code {self.code}")
        if self.nb == 0:
            self.nb = max(len(self.lignes), 1)

    def as_dict(self) -> dict[str, object]:
        """The report's JSON form: the fields, in their order."""
        return asdict(self)


MAX_LINES = 50  # line numbers listed per problem; the count is always exact
MAX_EXAMPLES = 5
