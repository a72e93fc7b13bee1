//! The HTML report: one self-contained page (no network), with charts of findings by severity,
//! service and account, the controls each framework passes, the sections services add (IAM:
//! privilege escalation paths), and a findings table a person can filter and sort, each finding
//! with its detail, risk and fix. The charts are SVG drawn here; the table is built by a small
//! script from the findings embedded as JSON.

use super::{Context, RenderError};
use crate::engine::RunReport;
use crate::findings::{Finding, Status};
use crate::model::Severity;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Text made safe for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that can sit inside a `<script>` element: `</` and `<!--` cannot close or open anything.
fn script_json(v: &Value) -> Result<String, RenderError> {
    Ok(serde_json::to_string(v)?.replace("</", "<\\/").replace("<!--", "<\\!--"))
}

const SEVERITY_COLOURS: &[(Severity, &str)] = &[
    (Severity::Critical, "#8b1a1a"),
    (Severity::High, "#d9480f"),
    (Severity::Medium, "#e8a317"),
    (Severity::Low, "#3b7dd8"),
    (Severity::Info, "#7a7a7a"),
];

/// A horizontal bar chart as inline SVG, with an accessible title and one labelled bar per row.
fn bar_chart(id: &str, title: &str, rows: &[(String, u64, &str)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (150, 260, 24);
    let height = (rows.len().max(1) * row_h + 8) as u32;
    let mut svg = format!(
        r#"<figure class="chart" id="{id}"><figcaption>{}</figcaption><svg role="img" aria-label="{}" width="{}" height="{height}" viewBox="0 0 {} {height}">"#,
        escape(title),
        escape(title),
        label_w + bar_w + 50,
        label_w + bar_w + 50
    );
    if rows.is_empty() {
        svg.push_str(r#"<text x="0" y="16" class="muted">none</text>"#);
    }
    for (i, (label, n, colour)) in rows.iter().enumerate() {
        let y = i * row_h + 4;
        let w = (*n as f64 / max as f64 * bar_w as f64).round().max(if *n > 0 { 2.0 } else { 0.0 });
        let _ = write!(
            svg,
            r#"<g class="bar" data-label="{l}" data-count="{n}"><text x="0" y="{ty}">{l}</text><rect x="{label_w}" y="{y}" width="{w}" height="{bh}" fill="{colour}"/><text x="{tx}" y="{ty}">{n}</text></g>"#,
            l = escape(label),
            ty = y + 14,
            bh = row_h - 8,
            tx = label_w as f64 + w + 6.0,
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

/// Counts of open findings (OPEN and SUPPRESSED are still failing) by a key.
fn counts<'a>(findings: &'a [Finding], key: impl Fn(&'a Finding) -> String) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for f in findings.iter().filter(|f| f.status != Status::Resolved) {
        *out.entry(key(f)).or_insert(0) += 1;
    }
    out
}

/// Per framework: the controls vigil evaluates and those that pass, judged by
/// `crate::compliance` from these findings (every service counted as audited).
fn frameworks(findings: &[Finding]) -> Vec<(&'static str, usize, usize)> {
    use crate::compliance::report::{evaluate, Evidence, Verdict};
    let audited = crate::services::all().iter().map(|s| s.name().to_string()).collect();
    let evidence = Evidence { findings, audited, failed_reads: Default::default(), evaluated: None };
    crate::compliance::Framework::ALL
        .into_iter()
        .map(|f| {
            let results = evaluate(f, &evidence);
            let passing = results.iter().filter(|c| c.verdict == Verdict::Pass).count();
            (f.title(), passing + results.iter().filter(|c| c.verdict == Verdict::Fail).count(), passing)
        })
        .collect()
}

/// One value of a service's report section as text: nested lists and objects read inline.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(cell).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; "),
        // An object reads as its first value, then the rest in parentheses: "iam:PassRole (inline:pass …)".
        Value::Object(m) => {
            let values: Vec<String> = m.values().map(cell).filter(|s| !s.is_empty()).collect();
            match values.split_first() {
                Some((first, [])) => first.clone(),
                Some((first, rest)) => format!("{first} ({})", rest.join(", ")),
                None => String::new(),
            }
        }
        other => other.to_string(),
    }
}

/// A service's section (a list of objects) as a table; its name "a_b_c" reads "A b c".
fn section(name: &str, v: &Value) -> String {
    let title = {
        let words = name.replace('_', " ");
        let mut c = words.chars();
        c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
    };
    let rows = v.as_array().cloned().unwrap_or_default();
    let mut out = format!(r#"<section class="extra" id="{}"><h2>{} ({})</h2>"#, escape(name), escape(&title), rows.len());
    let columns: Vec<String> = rows.first().and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
    if rows.is_empty() || columns.is_empty() {
        out.push_str(r#"<p class="muted">None.</p></section>"#);
        return out;
    }
    out.push_str("<table><thead><tr>");
    for c in &columns {
        let _ = write!(out, "<th>{}</th>", escape(&c.replace('_', " ")));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &rows {
        out.push_str("<tr>");
        for c in &columns {
            let _ = write!(out, "<td>{}</td>", escape(&cell(&row[c])));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>");
    out
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
header{background:#14213d;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
main{padding:18px 28px}section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:14px 18px;margin-bottom:18px}
h2{font-size:17px;margin:0 0 10px}.charts{display:flex;flex-wrap:wrap;gap:28px}figure{margin:0}
figcaption{font-weight:600;margin-bottom:6px}svg text{font-size:12px;fill:#333}.muted{color:#777}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eceef1;vertical-align:top}
th{background:#f0f2f5;position:sticky;top:0}th[data-key]{cursor:pointer;user-select:none}
.sev{font-weight:700;font-size:12px;padding:2px 6px;border-radius:4px;color:#fff}
.CRITICAL{background:#8b1a1a}.HIGH{background:#d9480f}.MEDIUM{background:#e8a317}.LOW{background:#3b7dd8}.INFO{background:#7a7a7a}
tr.finding{cursor:pointer}tr.finding:hover{background:#f7f9fc}tr.more td{background:#fafbfc}tr.more dt{font-weight:600}tr.more dd{margin:0 0 8px}
.controls{display:flex;gap:10px;align-items:center;margin-bottom:10px}.controls input{flex:1;padding:6px 8px}
.stats{display:flex;gap:24px;flex-wrap:wrap}.stat b{display:block;font-size:20px}
"#;

const SCRIPT: &str = r#"
(function () {
  const data = JSON.parse(document.getElementById('findings-data').textContent);
  const order = {CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, INFO: 1};
  const body = document.querySelector('#findings tbody');
  const q = document.getElementById('filter'), sev = document.getElementById('severity'), st = document.getElementById('status');
  let sortKey = 'severity', sortDir = -1;
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('q')) q.value = hash.get('q');
  if (hash.get('severity')) sev.value = hash.get('severity');
  if (hash.get('status')) st.value = hash.get('status');
  function cell(tag, text, cls) { const e = document.createElement(tag); e.textContent = text; if (cls) e.className = cls; return e; }
  function details(f) {
    const tr = document.createElement('tr'); tr.className = 'more'; tr.hidden = true;
    const td = document.createElement('td'); td.colSpan = 6; const dl = document.createElement('dl');
    [['Detail', f.detail], ['Accepted risk', f.accepted || '-'], ['Risk', f.risk], ['Fix', f.fix], ['Resource', f.resource_arn], ['Compliance', f.compliance.join(', ') || '-'], ['Seen', f.first_seen + ' to ' + f.last_seen]]
      .forEach(([k, v]) => { dl.appendChild(cell('dt', k)); dl.appendChild(cell('dd', v)); });
    td.appendChild(dl); tr.appendChild(td); return tr;
  }
  function draw() {
    const text = q.value.trim().toLowerCase();
    const rows = data.filter(f => (!sev.value || f.severity === sev.value) && (!st.value || f.status === st.value) &&
      (!text || [f.check_id, f.title, f.resource_arn, f.detail, f.account_id, f.region].join(' ').toLowerCase().includes(text)));
    rows.sort((a, b) => {
      const x = sortKey === 'severity' ? order[a.severity] - order[b.severity] : String(a[sortKey]).localeCompare(String(b[sortKey]));
      return x * sortDir;
    });
    body.replaceChildren();
    rows.forEach(f => {
      const tr = document.createElement('tr'); tr.className = 'finding';
      const s = cell('td', ''); s.appendChild(cell('span', f.severity, 'sev ' + f.severity)); tr.appendChild(s);
      [f.status, f.resource_id, f.check_id, f.title, f.account_id].forEach(v => tr.appendChild(cell('td', v)));
      const more = details(f);
      tr.addEventListener('click', () => { more.hidden = !more.hidden; });
      body.appendChild(tr); body.appendChild(more);
    });
    document.getElementById('shown').textContent = 'Showing ' + rows.length + ' of ' + data.length + ' findings';
  }
  document.querySelectorAll('th[data-key]').forEach(th => th.addEventListener('click', () => {
    sortDir = sortKey === th.dataset.key ? -sortDir : 1; sortKey = th.dataset.key; draw();
  }));
  [q, sev, st].forEach(e => e.addEventListener('input', draw));
  draw();
  document.body.dataset.ready = 'true';
})();
"#;

pub fn render(findings: &[Finding], run: Option<&RunReport>, cx: &Context) -> Result<String, RenderError> {
    let open: Vec<&Finding> = findings.iter().filter(|f| f.status != Status::Resolved).collect();
    let accounts: BTreeSet<&str> = findings.iter().map(|f| f.account_id.as_str()).collect();
    let by_severity: Vec<(String, u64, &str)> = SEVERITY_COLOURS
        .iter()
        .map(|(s, colour)| (s.as_str().to_string(), open.iter().filter(|f| f.severity == *s).count() as u64, *colour))
        .collect();
    let service_of = |f: &Finding| f.resource_type.as_str().split("::").nth(1).filter(|s| !s.is_empty()).unwrap_or("Account").to_string();
    let by_service: Vec<(String, u64, &str)> = counts(findings, service_of).into_iter().map(|(k, n)| (k, n, "#14213d")).collect();
    let by_account: Vec<(String, u64, &str)> = counts(findings, |f| f.account_id.clone()).into_iter().map(|(k, n)| (k, n, "#2a9d8f")).collect();

    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>vigil report</title><style>{STYLE}</style></head><body><header><h1>vigil report</h1><div id="scope">{} · generated {} · {} findings ({} open or suppressed)</div></header><main>"#,
        escape(&if accounts.is_empty() { "no account".to_string() } else { format!("account {}", accounts.into_iter().collect::<Vec<_>>().join(", ")) }),
        escape(&cx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        findings.len(),
        open.len()
    );
    html.push_str(r#"<section id="summary"><h2>Summary</h2><div class="charts">"#);
    html.push_str(&bar_chart("by-severity", "Open findings by severity", &by_severity));
    html.push_str(&bar_chart("by-service", "Open findings by service", &by_service));
    html.push_str(&bar_chart("by-account", "Open findings by account", &by_account));
    html.push_str("</div>");
    html.push_str(r#"<h2 style="margin-top:14px">Compliance</h2><table id="frameworks"><thead><tr><th>Framework</th><th>Evaluated controls that pass</th><th>Score</th></tr></thead><tbody>"#);
    for (framework, total, passing) in frameworks(findings) {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{passing} of {total}</td><td>{:.0}%</td></tr>",
            escape(framework),
            passing as f64 * 100.0 / total.max(1) as f64
        );
    }
    html.push_str("</tbody></table>");
    if let Some(r) = run {
        let score = r.compliance_score.map_or("n/a".to_string(), |s| format!("{s:.1}%"));
        let _ = write!(
            html,
            r#"<div class="stats" id="run"><div class="stat"><b>{}</b>resources audited</div><div class="stat"><b>{}</b>checks evaluated</div><div class="stat"><b>{score}</b>of (resource, check) pairs pass</div><div class="stat"><b>{}</b>audit errors</div></div>"#,
            r.resources_audited,
            r.evaluated,
            r.audit_errors.len()
        );
    }
    html.push_str("</section>");
    for service in crate::services::all() {
        for (name, value) in service.report_sections(findings) {
            html.push_str(&section(name, &value));
        }
    }
    html.push_str(r#"<section id="findings"><h2>Findings</h2><div class="controls"><input id="filter" type="search" placeholder="Filter by check, resource, account, detail" aria-label="Filter"><select id="severity" aria-label="Severity"><option value="">Every severity</option>"#);
    for s in Severity::ALL {
        let _ = write!(html, r#"<option value="{0}">{0}</option>"#, s.as_str());
    }
    html.push_str(r#"</select><select id="status" aria-label="Status"><option value="">Every status</option>"#);
    for s in Status::ALL {
        let _ = write!(html, r#"<option value="{0}">{0}</option>"#, s.as_str());
    }
    html.push_str(r#"</select><span id="shown"></span></div><table><thead><tr><th data-key="severity">Severity</th><th data-key="status">Status</th><th data-key="resource_id">Resource</th><th data-key="check_id">Check</th><th data-key="title">Title</th><th data-key="account_id">Account</th></tr></thead><tbody></tbody></table></section></main>"#);
    let rows: Vec<Value> = findings
        .iter()
        .map(|f| {
            let check = crate::check::by_id(&f.check_id);
            json!({
                "severity": f.severity.as_str(), "status": f.status.as_str(), "resource_id": f.resource_id,
                "resource_arn": f.resource_arn, "check_id": f.check_id, "title": f.title, "account_id": f.account_id,
                "region": f.region, "detail": f.detail, "compliance": f.compliance,
                "first_seen": f.first_seen, "last_seen": f.last_seen,
                "risk": check.map_or("", |c| c.risk),
                "accepted": f.triage.as_ref().map(crate::findings::Triage::describe),
                "fix": check.map_or_else(|| f.remediation.clone(), |c| c.advise(f)),
            })
        })
        .collect();
    let _ = write!(html, r#"<script type="application/json" id="findings-data">{}</script><script>{SCRIPT}</script></body></html>"#, script_json(&Value::Array(rows))?);
    html.push('\n');
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::{cx, finding};

    #[test]
    fn the_page_is_self_contained_and_escapes_what_it_embeds() {
        let mut f = finding(Status::Open);
        f.detail = "</script><script>alert(1)</script>".into();
        let page = render(&[f, finding(Status::Resolved)], None, &cx()).unwrap();
        assert!(!page.contains("</script><script>alert"), "embedded text cannot close the data script");
        assert!(!page.contains("http://") && !page.contains("https://"), "no network");
        assert_eq!(page.matches("</script>").count(), 2, "only the two real script elements close");
        assert!(page.contains(r#"data-label="CRITICAL" data-count="1""#), "the resolved finding is not counted as open");
    }

    #[test]
    fn frameworks_count_controls_without_a_failing_resource() {
        let all = frameworks(&[]);
        let failing = frameworks(&[finding(Status::Open)]);
        // The fixture's check, s3_bucket_public_policy, maps to FSBP S3.2 and S3.3.
        let fsbp = |v: &[(&'static str, usize, usize)]| v.iter().find(|(f, ..)| f.starts_with("AWS Foundational")).copied().unwrap();
        assert_eq!(fsbp(&all).1, fsbp(&all).2, "no finding: every evaluated control passes");
        assert_eq!(fsbp(&failing).2 + 2, fsbp(&all).2, "one failing check fails both its controls");
        assert_eq!(all.len(), 3, "CIS v3.0.0, CIS v5.0.0 and FSBP");
    }

    #[test]
    fn section_cells_read_nested_values_inline() {
        let v = json!([{"action": "iam:PassRole", "policies": ["inline:pass"]}, {"action": "ec2:RunInstances"}]);
        assert_eq!(cell(&v), "iam:PassRole (inline:pass); ec2:RunInstances");
        assert_eq!(cell(&json!(null)), "");
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
