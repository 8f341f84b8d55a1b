"""The refusal rules of exports.md §5: a stable code each, and the French text partners read.

Codes are part of the reports that partners and the observatory's staff exchange: never rename
one; add new codes instead.
"""

from dataclasses import dataclass, field

# Stable rule codes → what the rule asks, in French (shown in reports).
RULES: dict[str, str] = {
    "LIVRAISON_INVALIDE": "Le dossier de livraison doit suivre la forme <source>/<dept>/<annee>.",
    "FICHIER_ILLISIBLE": "Le fichier doit être un CSV texte en UTF-8 ou Windows-1252.",
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
    "ENTIER_INVALIDE": "Un nombre de places ou de logements est un entier supérieur à 0.",
    "COMMUNE_INVALIDE": "Un code commune INSEE compte 5 caractères (ex. 31555, 2A004).",
    "CLE_EN_DOUBLE": "La clé métier doit être unique dans la livraison.",
    "REFERENCE_INCONNUE": (
        "Une référence doit désigner une ligne de la table liée de la même livraison."
    ),
    "ID_JEUNE_INVALIDE": "id_jeune compte 64 caractères hexadécimaux en minuscules.",
    "IDENTIFIANT_DIRECT": "Aucune donnée directement identifiante (courriel, téléphone, NIR).",
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
        return {
            "fichier": self.fichier,
            "colonne": self.colonne,
            "regle": self.regle,
            "message": self.message,
            "lignes": self.lignes,
            "nb": self.nb,
            "exemples": self.exemples,
        }


MAX_LINES = 50  # line numbers listed per problem; the count is always exact
MAX_EXAMPLES = 5
