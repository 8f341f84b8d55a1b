"""The contract's code lists and department rules, written for dbt.

dbt's tests and models need the same code lists and the same 69D/69M rule as the gate. Instead
of copying them into YAML by hand, `observatoire expectations` writes them from `tables.py` into
one generated macro file (`dbt_project/macros/contract.sql`), committed so that a reviewer sees
it; a test checks that the committed file matches the contract, as for the Great Expectations
suites.
"""

from pathlib import Path

from pipelines.lib.contract.tables import ASE_SERVICE_CODES, SOURCES, TABLES, Kind

MACRO_FILE = Path("macros") / "contract.sql"

_HEADER = """\
{#- GENERATED from pipelines/lib/contract/tables.py by `observatoire expectations`: do not edit
    by hand (tests/lib/contract/test_dbt_macros.py fails when this file and the contract differ).
    The code lists of contract v1.1, and the delivery department codes of the ASE services that
    count as another department (docs/contrat-echange.md §1: 69D and 69M count as 69). -#}
"""


def _jinja_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def render_contract_macros() -> str:
    """The text of `macros/contract.sql`."""
    codes = {
        f"{table.name}.{column.name}": column.codes
        for table in TABLES.values()
        for column in table.columns
        if column.kind is Kind.CODE
    }
    lines = [_HEADER]
    lines.append("{% macro contract_codes(table, column) -%}")
    lines.append("    {%- set codes = {")
    for i, (name, values) in enumerate(sorted(codes.items())):
        comma = "," if i < len(codes) - 1 else ""
        lines.append(f"        '{name}': {_jinja_list(values)}{comma}")
    lines.append("    } -%}")
    lines.append("    {{ return(codes[table ~ '.' ~ column]) }}")
    lines.append("{%- endmacro %}")
    lines.append("")
    lines.append("{% macro contract_sources() -%}")
    lines.append(f"    {{{{ return({_jinja_list(list(SOURCES))}) }}}}")
    lines.append("{%- endmacro %}")
    lines.append("")
    services = ", ".join(f"'{k}': '{v}'" for k, v in sorted(ASE_SERVICE_CODES.items()))
    lines.append("{% macro ase_service_departments() -%}")
    lines.append(f"    {{{{ return({{{services}}}) }}}}")
    lines.append("{%- endmacro %}")
    return "\n".join(lines) + "\n"


def write_contract_macros(dbt_project_dir: Path) -> Path:
    path = dbt_project_dir / MACRO_FILE
    path.write_text(render_contract_macros(), encoding="utf-8")
    return path
