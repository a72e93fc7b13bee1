#!/usr/bin/env python3
"""Writes data/compliance/{cis-3.0,cis-5.0,fsbp}.tsv from a Prowler wheel's compliance tables.

Usage: compliance_data.py PROWLER_WHEEL OUT_DIR
Columns: id, section, level (1, 2 or -), assessment (automated or manual), title.
"""

import json
import re
import sys
import zipfile
from pathlib import Path

FRAMEWORKS = {
    "cis-3.0": ("cis_3.0_aws.json", "CIS AWS Foundations Benchmark v3.0.0"),
    "cis-5.0": ("cis_5.0_aws.json", "CIS AWS Foundations Benchmark v5.0.0"),
    "fsbp": ("aws_foundational_security_best_practices_aws.json", "AWS Foundational Security Best Practices v1.0.0"),
}


def natural(control_id):
    return [int(p) if p.isdigit() else p for p in re.split(r"[.]", control_id)]


def clean(text):
    return " ".join(str(text).split()).replace("\t", " ")


def main():
    wheel, out = Path(sys.argv[1]), Path(sys.argv[2])
    version = re.search(r"prowler-([^-]+)-", wheel.name).group(1)
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        for key, (name, title) in FRAMEWORKS.items():
            data = json.loads(z.read(f"prowler/compliance/aws/{name}"))
            rows, seen = [], set()
            for req in data["Requirements"]:
                control = req["Id"]
                if control in seen:
                    sys.exit(f"{name}: {control} is listed twice")
                seen.add(control)
                attrs = (req.get("Attributes") or [{}])[0]
                section = clean(attrs.get("Section") or attrs.get("Service") or "-")
                level = re.search(r"Level (\d)", attrs.get("Profile", ""))
                assessment = "manual" if attrs.get("AssessmentStatus") == "Manual" else "automated"
                rows.append((control, section, level.group(1) if level else "-", assessment, clean(req.get("Name") or req["Description"])))
            rows.sort(key=lambda r: (r[0].split(".")[0], natural(r[0])) if key == "fsbp" else natural(r[0]))
            lines = [
                f"# {title}, format 1",
                f"# source: PyPI prowler {version}, prowler/compliance/aws/{name}",
                "# id\tsection\tlevel\tassessment\ttitle",
            ] + ["\t".join(r) for r in rows]
            (out / f"{key}.tsv").write_text("\n".join(lines) + "\n")
            print(f"{key}: {len(rows)} controls")


if __name__ == "__main__":
    main()
