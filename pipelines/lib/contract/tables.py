"""The partner export contract v1.1 (`docs/contrat-echange.md`) as data.

Everything that reads, checks or generates deliveries takes its column names, types, code lists,
business keys and references from here, so that the contract is written once. Column names and
codes are part of the contract with partners: never rename them here without a contract v2.
"""

from dataclasses import dataclass, field
from enum import StrEnum

CONTRACT_VERSION = "v1"
SOURCES = ("ase", "ml", "hj")


class Kind(StrEnum):
    """How a column is read and checked."""

    ID_JEUNE = "id_jeune"  # 64 lowercase hex characters
    TEXT = "text"
    CODE = "code"  # one code of a list; trimmed and upper-cased before checking
    CODES = "codes"  # several codes separated by `|`
    DATE = "date"  # AAAA-MM-JJ, or JJ/MM/AAAA
    YEAR_MONTH = "year_month"  # AAAA-MM
    BOOL = "bool"  # 0/1, oui/non, O/N
    INT = "int"  # integer > 0
    DEPT = "dept"  # INSEE department code
    COMMUNE = "commune"  # INSEE commune code, 5 characters


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    codes: tuple[str, ...] = ()
    # Required only when another column is set (`motif_fin` when `date_fin` is set), or when
    # another column holds a given value (`dept_financeur` when `financeur` = `CD`).
    required_if_set: str | None = None
    required_if_value: tuple[str, str] | None = None
    # A date that may lie after the day the delivery is checked (a convention's planned end).
    future_allowed: bool = False


@dataclass(frozen=True)
class Reference:
    """A column that must name a row of another table of the same delivery."""

    column: str
    table: str
    target: str


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required_table: bool = False
    date_order: tuple[tuple[str, str], ...] = ()  # (start, end) pairs: end >= start
    references: tuple[Reference, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


MODES_ACCUEIL = (
    "DOMICILE",
    "ASSISTANT_FAMILIAL",
    "MECS",
    "FOYER_ENFANCE",
    "LIEU_DE_VIE",
    "TIERS_DIGNE_DE_CONFIANCE",
    "HABITAT_JEUNES",
    "LOGEMENT_AUTONOME",
    "HOTEL",
    "AUTRE",
)
TYPES_MESURE = (
    "AED",
    "AEMO",
    "ACCUEIL_PROVISOIRE",
    "PLACEMENT_JUDICIAIRE",
    "TUTELLE",
    "APJM",
    "CJM",
)
MESURES_JEUNE_MAJEUR = ("APJM", "CJM")
MOTIFS_FIN = (
    "MAJORITE",
    "FIN_CONTRAT_JEUNE_MAJEUR",
    "DEMANDE_DU_JEUNE",
    "RETOUR_EN_FAMILLE",
    "RELAIS_AUTRE_MESURE",
    "DEMENAGEMENT",
    "AUTONOMIE",
    "AUTRE",
)
LOGEMENTS_SORTIE = (
    "LOGEMENT_AUTONOME",
    "LOGEMENT_SOCIAL",
    "HABITAT_JEUNES",
    "FAMILLE_PROCHES",
    "HEBERGEMENT_INSERTION",
    "HEBERGEMENT_URGENCE",
    "SANS_SOLUTION",
    "INCONNU",
)
ACTIVITES_SORTIE = (
    "EMPLOI",
    "ALTERNANCE",
    "FORMATION",
    "ETUDES",
    "CEJ",
    "AUTRE_ACCOMPAGNEMENT",
    "SANS_ACTIVITE",
    "INCONNU",
)
RESSOURCES_SORTIE = ("SALAIRE", "ALLOCATION_CEJ", "BOURSE", "AUTRES_AIDES", "AUCUNE", "INCONNU")
TYPES_ENTRETIEN = ("ENTRETIEN_17_ANS", "ENTRETIEN_POST_SORTIE")
PARTENAIRES_ENTRETIEN = ("ML", "HJ", "ADEPAPE", "AUTRE")
BESOINS_AUTONOMIE = (
    "besoin_ressources",
    "besoin_logement",
    "besoin_emploi_formation",
    "besoin_soins",
    "besoin_demarches",
    "besoin_socio_educatif",
)
NIVEAUX_FORMATION = ("INFRA_3", "3", "4", "5", "6_PLUS")
DISPOSITIFS = ("PACEA", "CEJ", "CEJ_JR", "OBLIGATION_FORMATION", "AUTRE")
MOTIFS_SORTIE_ML = (
    "EMPLOI_DURABLE",
    "FORMATION_QUALIFIANTE",
    "FIN_DE_DROITS",
    "ABANDON",
    "DEMENAGEMENT",
    "AUTRE",
)
TYPES_SITUATION = (
    "EMPLOI_CDI",
    "EMPLOI_CDD",
    "ALTERNANCE",
    "FORMATION",
    "IMMERSION_PMSMP",
    "SERVICE_CIVIQUE",
)
TYPES_OFFRE = ("COLLECTIF", "DIFFUS", "IML", "MIXTE")
FINANCEURS = ("CD", "ETAT", "CAF", "AUTRE")
PUBLICS = ("CJM", "EX_MNA", "MINEURS_PROTEGES", "ASE_TOUS", "JEUNES_RUPTURE")
MODALITES_FINANCEMENT = ("PRIX_DE_JOURNEE", "SUBVENTION", "DOTATION_GLOBALE")
STATUTS_ENTREE = ("SALARIE", "APPRENTI", "FORMATION", "DEMANDEUR_EMPLOI", "ETUDIANT", "AUTRE")
ORIENTATIONS = ("ASE", "ML", "SIAO", "SPONTANEE", "AUTRE")
SEXES = ("F", "M")

_ID = Column("id_jeune", Kind.ID_JEUNE, required=True)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "ase_jeunes",
            "ase",
            (
                _ID,
                Column("sexe", Kind.CODE, required=True, codes=SEXES),
                Column("annee_mois_naissance", Kind.YEAR_MONTH, required=True),
                Column("mna", Kind.BOOL, required=True),
                Column("date_premiere_prise_en_charge", Kind.DATE),
            ),
            key=("id_jeune",),
            required_table=True,
        ),
        Table(
            "ase_mesures",
            "ase",
            (
                Column("id_mesure", Kind.TEXT, required=True),
                _ID,
                Column("type_mesure", Kind.CODE, required=True, codes=TYPES_MESURE),
                Column("mode_accueil", Kind.CODE, required=True, codes=MODES_ACCUEIL),
                Column("date_debut", Kind.DATE, required=True),
                Column("date_fin", Kind.DATE),
                Column("motif_fin", Kind.CODE, codes=MOTIFS_FIN, required_if_set="date_fin"),
            ),
            key=("id_mesure",),
            required_table=True,
            date_order=(("date_debut", "date_fin"),),
            references=(Reference("id_jeune", "ase_jeunes", "id_jeune"),),
        ),
        Table(
            "ase_sorties",
            "ase",
            (
                _ID,
                Column("date_sortie", Kind.DATE, required=True),
                Column("logement_sortie", Kind.CODE, required=True, codes=LOGEMENTS_SORTIE),
                Column("activite_sortie", Kind.CODE, required=True, codes=ACTIVITES_SORTIE),
                Column("ressources_sortie", Kind.CODE, required=True, codes=RESSOURCES_SORTIE),
            ),
            key=("id_jeune", "date_sortie"),
            references=(Reference("id_jeune", "ase_jeunes", "id_jeune"),),
        ),
        Table(
            "ase_entretiens",
            "ase",
            (
                _ID,
                Column("type_entretien", Kind.CODE, required=True, codes=TYPES_ENTRETIEN),
                Column("date_entretien", Kind.DATE, required=True),
                Column("partenaires", Kind.CODES, codes=PARTENAIRES_ENTRETIEN),
            ),
            key=("id_jeune", "type_entretien", "date_entretien"),
            references=(Reference("id_jeune", "ase_jeunes", "id_jeune"),),
        ),
        Table(
            "ase_autonomie",
            "ase",
            (
                _ID,
                Column("date_projet", Kind.DATE, required=True),
                *(Column(b, Kind.BOOL) for b in BESOINS_AUTONOMIE),
            ),
            key=("id_jeune", "date_projet"),
            references=(Reference("id_jeune", "ase_jeunes", "id_jeune"),),
        ),
        Table(
            "ml_jeunes",
            "ml",
            (
                _ID,
                Column("code_ml", Kind.TEXT, required=True),
                Column("sexe", Kind.CODE, required=True, codes=SEXES),
                Column("annee_mois_naissance", Kind.YEAR_MONTH, required=True),
                Column("commune_residence", Kind.COMMUNE),
                Column("date_premier_accueil", Kind.DATE, required=True),
                Column("niveau_formation", Kind.CODE, codes=NIVEAUX_FORMATION),
                Column("rqth", Kind.BOOL),
                Column("qpv", Kind.BOOL),
                Column("parcours_ase", Kind.BOOL),
            ),
            key=("id_jeune", "code_ml"),
            required_table=True,
        ),
        Table(
            "ml_accompagnements",
            "ml",
            (
                Column("id_accompagnement", Kind.TEXT, required=True),
                _ID,
                Column("code_ml", Kind.TEXT, required=True),
                Column("dispositif", Kind.CODE, required=True, codes=DISPOSITIFS),
                Column("date_entree", Kind.DATE, required=True),
                Column("date_sortie", Kind.DATE),
                Column(
                    "motif_sortie", Kind.CODE, codes=MOTIFS_SORTIE_ML, required_if_set="date_sortie"
                ),
            ),
            key=("id_accompagnement",),
            required_table=True,
            date_order=(("date_entree", "date_sortie"),),
            references=(Reference("id_jeune", "ml_jeunes", "id_jeune"),),
        ),
        Table(
            "ml_situations",
            "ml",
            (
                Column("id_situation", Kind.TEXT, required=True),
                _ID,
                Column("type_situation", Kind.CODE, required=True, codes=TYPES_SITUATION),
                Column("date_debut", Kind.DATE, required=True),
                Column("date_fin", Kind.DATE),
            ),
            key=("id_situation",),
            date_order=(("date_debut", "date_fin"),),
            references=(Reference("id_jeune", "ml_jeunes", "id_jeune"),),
        ),
        Table(
            "hj_residences",
            "hj",
            (
                Column("id_residence", Kind.TEXT, required=True),
                Column("nom_residence", Kind.TEXT, required=True),
                Column("association", Kind.TEXT, required=True),
                Column("dept", Kind.DEPT, required=True),
                Column("commune", Kind.COMMUNE, required=True),
                Column("capacite_places", Kind.INT, required=True),
                Column("nb_logements", Kind.INT, required=True),
                Column("type_offre", Kind.CODE, required=True, codes=TYPES_OFFRE),
            ),
            key=("id_residence",),
            required_table=True,
        ),
        Table(
            "hj_conventions",
            "hj",
            (
                Column("id_convention", Kind.TEXT, required=True),
                Column("id_residence", Kind.TEXT, required=True),
                Column("financeur", Kind.CODE, required=True, codes=FINANCEURS),
                Column("dept_financeur", Kind.DEPT, required_if_value=("financeur", "CD")),
                Column("public", Kind.CODE, required=True, codes=PUBLICS),
                Column("places_reservees", Kind.INT, required=True),
                Column(
                    "modalite_financement", Kind.CODE, required=True, codes=MODALITES_FINANCEMENT
                ),
                Column("date_debut", Kind.DATE, required=True),
                Column("date_fin", Kind.DATE, future_allowed=True),
            ),
            key=("id_convention",),
            date_order=(("date_debut", "date_fin"),),
            references=(Reference("id_residence", "hj_residences", "id_residence"),),
        ),
        Table(
            "hj_sejours",
            "hj",
            (
                Column("id_sejour", Kind.TEXT, required=True),
                _ID,
                Column("id_residence", Kind.TEXT, required=True),
                Column("id_convention", Kind.TEXT),
                Column("date_entree", Kind.DATE, required=True),
                Column("date_sortie", Kind.DATE),
                Column("statut_entree", Kind.CODE, required=True, codes=STATUTS_ENTREE),
                Column("prise_en_charge_ase", Kind.BOOL, required=True),
                Column("orientation", Kind.CODE, required=True, codes=ORIENTATIONS),
                Column(
                    "logement_sortie",
                    Kind.CODE,
                    codes=LOGEMENTS_SORTIE,
                    required_if_set="date_sortie",
                ),
            ),
            key=("id_sejour",),
            date_order=(("date_entree", "date_sortie"),),
            references=(
                Reference("id_residence", "hj_residences", "id_residence"),
                Reference("id_convention", "hj_conventions", "id_convention"),
            ),
        ),
    )
}


def tables_of(source: str) -> list[Table]:
    """The tables of one source, in contract order."""
    return [t for t in TABLES.values() if t.source == source]


# Department codes that are valid for an `ase` delivery folder on top of the COG codes: the two
# child-protection services of department 69 (docs/contrat-echange.md §1).
ASE_SERVICE_CODES = {"69D": "69", "69M": "69"}


def display_dept(code: str) -> str:
    """The department shown in the marts for a delivery's department code (`69D` → `69`)."""
    return ASE_SERVICE_CODES.get(code, code)
