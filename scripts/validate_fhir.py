#!/usr/bin/env python3
"""Validates a FHIR bundle (refract's export) with an implementation refract did not write.

    scripts/validate_fhir.py FILE        (or - for standard input)

Every entry's resource is checked against the `fhir.resources` models (pinned in
scripts/fhir-validator-requirements.txt): element names, cardinalities, required elements, and
every primitive against the regular expression the specification gives it (a dateTime with a
time and no offset, an empty string, a malformed id or code all fail).

Which models: `fhir.resources` 8 ships R5 by default and R4B (4.3.0) as `fhir.resources.R4B`;
the last line with R4 (4.0.1) models, 6.x, checks a dateTime only up to its date (it accepts
"2020-02-09T10:00:00"), and pins pydantic 1. For every resource type refract exports (Bundle,
Patient, Condition, MedicationStatement, Observation, Procedure, CarePlan, CareTeam, Task, Goal) the R4B
models have the same elements, the same cardinalities and the same required elements as R4's;
the datatypes differ only in two `Extension.value[x]` choices that R4B added, which this script
refuses as not R4.

Prints one line per problem ("entry[12] Observation/abc: effectiveDateTime: ...") and a summary
line. Exit codes: 0 every resource is valid, 1 a problem was found, 2 usage or unreadable file,
3 the validator is not installed (or is not the pinned line).
"""

import json
import sys

NOT_INSTALLED = 3
PINNED_MAJOR = "8."
# Extension value types R4B added to R4's list; an R4 reader does not know them.
NOT_R4 = ("valueCodeableReference", "valueRatioRange")


def load_models():
    try:
        import fhir.resources
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as err:
        print(f"validate_fhir: fhir.resources is not installed ({err})", file=sys.stderr)
        sys.exit(NOT_INSTALLED)
    version = getattr(fhir.resources, "__version__", "?")
    if not version.startswith(PINNED_MAJOR):
        print(
            f"validate_fhir: fhir.resources {version} is installed; this script needs the "
            f"{PINNED_MAJOR}x line (scripts/fhir-validator-requirements.txt)",
            file=sys.stderr,
        )
        sys.exit(NOT_INSTALLED)
    return get_fhir_model_class


def not_r4(value, path):
    """Paths of the extension value types R4 does not have."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in NOT_R4:
                found.append(f"{path}.{key}".lstrip("."))
            found.extend(not_r4(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(not_r4(item, f"{path}[{index}]"))
    return found


def describe(err):
    """A validation error as "element: what", every error of the resource on one line."""
    errors = getattr(err, "errors", None)
    if callable(errors):
        try:
            text = "; ".join(
                f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg', '')} "
                f"({str(item.get('input', ''))[:60]!r})"
                for item in errors()
            )
            return " ".join(text.split())
        except (TypeError, ValueError):
            pass
    return " ".join(str(err).split())


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    model_of = load_models()
    try:
        if argv[1] == "-":
            bundle = json.load(sys.stdin)
        else:
            with open(argv[1], encoding="utf-8") as file:
                bundle = json.load(file)
    except (OSError, ValueError) as err:
        print(f"validate_fhir: cannot read {argv[1]}: {err}", file=sys.stderr)
        return 2

    problems = []
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        problems.append("the document is not a Bundle")
        entries = []
    else:
        entries = bundle.get("entry", [])
        # The bundle without its entries: each entry is checked on its own below, so that every
        # problem is named with the entry it is in.
        shell = {key: value for key, value in bundle.items() if key != "entry"}
        try:
            model_of("Bundle").model_validate(shell)
        except Exception as err:  # pydantic's ValidationError, or a model that cannot load
            problems.append(f"Bundle: {describe(err)}")

    checked = 0
    for index, entry in enumerate(entries):
        where = f"entry[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            problems.append(f"{where}: no resource")
            continue
        resource = entry["resource"]
        kind = resource.get("resourceType")
        where = f"{where} {kind}/{resource.get('id', '?')}"
        try:
            entry_shell = {key: value for key, value in entry.items() if key != "resource"}
            model_of("BundleEntry").model_validate(entry_shell)
            model_of(kind).model_validate(resource)
        except Exception as err:
            problems.append(f"{where}: {describe(err)}")
        for path in not_r4(resource, ""):
            problems.append(f"{where}: {path} is not an R4 element")
        checked += 1

    for problem in problems:
        print(problem)
    print(f"validate_fhir: {checked} resources checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
