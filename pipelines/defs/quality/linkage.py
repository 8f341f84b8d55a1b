"""Asset check on the match rates of the pseudonymous key (mart `appariement`)."""

import dagster as dg

from pipelines.defs.resources import ObservatoireResource
from pipelines.lib.quality.linkage import MatchRate, sharp_drops
from pipelines.lib.store import warehouse

APPARIEMENT = dg.AssetKey(["marts", "appariement"])


@dg.asset_check(
    asset=APPARIEMENT,
    description=(
        "Avertit quand le taux d'appariement d'une source chute brutalement d'une année à "
        "l'autre dans un département (clé ou secret changé par un producteur ?)."
    ),
)
def appariement_stable(
    context: dg.AssetCheckExecutionContext, observatoire: ObservatoireResource
) -> dg.AssetCheckResult:
    with warehouse.connect(observatoire.settings.warehouse, read_only=True) as con:
        rows = con.execute(
            "select annee, source, dept, population, nb_jeunes, taux_appariement "
            "from marts.appariement"
        ).fetchall()
    drops = sharp_drops([MatchRate(*row) for row in rows])
    for drop in drops:
        context.log.warning(f"Chute du taux d'appariement : {drop.message()}")
    return dg.AssetCheckResult(
        passed=not drops,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "chutes": len(drops),
            "detail": "\n".join(d.message() for d in drops) or "aucune",
        },
    )
