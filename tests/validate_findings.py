"""Validates vigil's OCSF and ASFF output with implementations that are not vigil's:
OCSF records against py-ocsf-models' ComplianceFinding (pydantic), ASFF against the
AwsSecurityFinding shape of Security Hub's BatchImportFindings in botocore's service model.

    python tests/validate_findings.py ocsf FILE   # JSON Lines
    python tests/validate_findings.py asff FILE   # a JSON array

Prints the number of valid records, or each problem and exits 1.
"""
import json
import sys


def ocsf(text):
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

    problems, count = [], 0
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        count += 1
        record = json.loads(line)
        try:
            ComplianceFinding.model_validate(record)
        except Exception as e:  # pydantic.ValidationError, with every field that failed
            problems.append(f"record {n}: {e}")
        for field in ("class_uid", "category_uid", "type_uid", "severity_id", "status_id", "time", "cloud", "resources"):
            if field not in record:
                problems.append(f"record {n}: no {field}")
    return count, problems


def asff(text):
    import botocore.session
    from botocore.validate import ParamValidator

    records = json.loads(text)
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": records}, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    return len(records), problems


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        count, problems = {"ocsf": ocsf, "asff": asff}[kind](f.read())
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"{count} {kind} records valid")


if __name__ == "__main__":
    main()
