//! Runtime settings read from environment variables, validated once at start.

use crate::model::Severity;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// A setting that could not be used. Always names the variable.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid {var}={value:?}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub reason: String,
}

/// A `key=value` tag selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMatch {
    pub key: String,
    pub value: String,
}

impl TagMatch {
    pub fn matches(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(&self.key).is_some_and(|v| v == &self.value)
    }
}

/// One tag every audited resource must carry (`REQUIRED_TAGS`): a key, and optionally the values
/// it may take (`environment=prod|dev`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredTag {
    pub key: String,
    /// Empty: any value.
    pub values: Vec<String>,
}

impl RequiredTag {
    /// Why `tags` do not satisfy this rule, if they do not.
    pub fn unmet(&self, tags: &BTreeMap<String, String>) -> Option<String> {
        match tags.get(&self.key) {
            None => Some(format!("{} is missing", self.key)),
            Some(v) if !self.values.is_empty() && !self.values.contains(v) => {
                Some(format!("{}={v} is not one of {}", self.key, self.values.join("|")))
            }
            Some(_) => None,
        }
    }
}

/// `REQUIRED_TAGS`: `owner,environment=prod|dev`.
fn required_tags(v: &str) -> Result<Vec<RequiredTag>, String> {
    let mut out: Vec<RequiredTag> = Vec::new();
    for item in list(v) {
        let (key, values) = match item.split_once('=') {
            Some((k, vals)) => {
                let values: Vec<String> = vals.split('|').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
                if values.is_empty() {
                    return Err(format!("{item:?}: expected key or key=value|value"));
                }
                (k.trim().to_string(), values)
            }
            None => (item.clone(), Vec::new()),
        };
        if key.is_empty() {
            return Err(format!("{item:?}: the tag key is empty"));
        }
        if out.iter().any(|t| t.key == key) {
            return Err(format!("{key:?} is listed twice"));
        }
        out.push(RequiredTag { key, values });
    }
    Ok(out)
}

/// Everything vigil reads from its environment. AWS endpoint, region and credentials are not here:
/// aws-config reads those.
#[derive(Debug, Clone)]
pub struct Settings {
    /// DynamoDB findings table. Without it, findings are computed and reported but not stored.
    pub table_name: Option<String>,
    /// SNS topic for alerts. Without it, no alert is published.
    pub topic_arn: Option<String>,
    /// Export every lifecycle transition to Security Hub (`BatchImportFindings`).
    pub security_hub: bool,
    /// Put one event per lifecycle transition on this EventBridge bus (name or ARN).
    pub event_bus: Option<String>,
    pub alert_min_severity: Severity,
    /// Regions to audit. Empty means "the SDK's region" (unless `all_regions`).
    pub regions: Vec<String>,
    /// `REGIONS=all`: every region enabled in each audited account.
    pub all_regions: bool,
    /// The accounts a full scan covers (`ACCOUNTS`).
    pub accounts: crate::member::Accounts,
    /// The role vigil assumes in member accounts (`MEMBER_ROLE_NAME`).
    pub member_role_name: String,
    /// The ExternalId the member role requires (`MEMBER_EXTERNAL_ID`).
    pub member_external_id: Option<String>,
    /// The shard queue (`SHARD_QUEUE_URL`): a scheduled scan fans out through it.
    pub shard_queue_url: Option<String>,
    /// A shard's time budget in seconds (`SHARD_SECONDS`), besides the invocation's deadline.
    pub shard_seconds: Option<u64>,
    pub scope_tag: Option<TagMatch>,
    pub scope_name_suffix: Option<String>,
    pub exempt_tag: TagMatch,
    pub trusted_account_ids: BTreeSet<String>,
    pub dry_run: bool,
    pub audit_concurrency: usize,
    /// Days a RESOLVED finding is kept before DynamoDB's TTL removes it.
    pub resolved_ttl_days: u32,
    pub key_max_age_days: i64,
    pub inactive_days: i64,
    /// Root use within this many days is a finding (`ROOT_USE_DAYS`).
    pub root_use_days: i64,
    /// Tags every audited taggable resource must carry; empty turns the check off.
    pub required_tags: Vec<RequiredTag>,
    pub role_max_session_seconds: i32,
    /// Managed policy names or ARNs reported by `iam_broad_managed_policy`.
    pub broad_managed_policies: Vec<String>,
    /// Roles never audited (besides service-linked roles, which never are).
    pub exempt_role_names: BTreeSet<String>,
    /// The services audited (scans and events), by registry name.
    pub services: BTreeSet<String>,
    /// Ports that must never be open to the internet (`ec2_sg_open_high_risk_port`).
    pub high_risk_ports: BTreeSet<u16>,
    /// Ports meant to be public (`ec2_sg_open_to_world` ignores them).
    pub public_ports: BTreeSet<u16>,
}

/// The default `HIGH_RISK_PORTS`: remote administration, file sharing, mail and databases.
pub const DEFAULT_HIGH_RISK_PORTS: &[u16] = &[
    20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 5984, 6379,
    8080, 8088, 8888, 9200, 9300, 11211, 27017, 27018,
];

impl Default for Settings {
    /// Every setting at its registry default.
    fn default() -> Self {
        let mut s = Settings {
            table_name: None,
            topic_arn: None,
            security_hub: false,
            event_bus: None,
            alert_min_severity: Severity::Critical,
            regions: Vec::new(),
            all_regions: false,
            accounts: crate::member::Accounts::Own,
            member_role_name: String::new(),
            member_external_id: None,
            shard_queue_url: None,
            shard_seconds: None,
            scope_tag: None,
            scope_name_suffix: None,
            exempt_tag: TagMatch { key: String::new(), value: String::new() },
            trusted_account_ids: BTreeSet::new(),
            dry_run: false,
            audit_concurrency: 1,
            resolved_ttl_days: 1,
            key_max_age_days: 1,
            inactive_days: 1,
            root_use_days: 1,
            required_tags: Vec::new(),
            role_max_session_seconds: 3600,
            broad_managed_policies: Vec::new(),
            exempt_role_names: BTreeSet::new(),
            services: BTreeSet::new(),
            high_risk_ports: BTreeSet::new(),
            public_ports: BTreeSet::new(),
        };
        for setting in SETTINGS {
            if let Some(value) = setting.default_value() {
                // The registry's defaults are valid values; the tests prove it.
                let _ = (setting.apply)(&mut s, &value);
            }
        }
        s
    }
}

/// A setting's default.
#[derive(Debug, Clone, Copy)]
pub enum Fallback {
    /// Parsed like a value from the environment.
    Value(&'static str),
    /// Not set; the text says what that means.
    Unset(&'static str),
    /// Every registered service.
    AllServices,
    /// [`DEFAULT_HIGH_RISK_PORTS`].
    HighRiskPorts,
}

/// One environment variable: its name, default, meaning, and how it is parsed and validated.
pub struct Setting {
    pub name: &'static str,
    pub default: Fallback,
    pub help: &'static str,
    /// Parses, validates and stores a (trimmed, non-empty) value; `Err` says why it is invalid.
    apply: fn(&mut Settings, &str) -> Result<(), String>,
}

impl Setting {
    /// The default as a value to parse; `None` when the setting is unset by default.
    pub fn default_value(&self) -> Option<String> {
        match self.default {
            Fallback::Value(v) => Some(v.to_string()),
            Fallback::Unset(_) => None,
            Fallback::AllServices => Some(crate::services::all().iter().map(|s| s.name()).collect::<Vec<_>>().join(",")),
            Fallback::HighRiskPorts => Some(DEFAULT_HIGH_RISK_PORTS.iter().map(u16::to_string).collect::<Vec<_>>().join(",")),
        }
    }

    /// The default as the README and `--help` show it.
    pub fn default_text(&self) -> String {
        match self.default {
            Fallback::Unset(text) => text.to_string(),
            _ => self.default_value().unwrap_or_default(),
        }
    }
}

/// Every variable vigil reads. Parsing, defaults, validation, `vigil --help` and the README's
/// configuration table all come from here.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "TABLE_NAME",
        default: Fallback::Unset("(none: findings are not stored)"),
        help: "DynamoDB table holding findings",
        apply: |s, v| {
            s.table_name = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "TOPIC_ARN",
        default: Fallback::Unset("(none: no alerts)"),
        help: "SNS topic that receives alerts",
        apply: |s, v| {
            if !v.starts_with("arn:") || v.split(':').count() != 6 {
                return Err("expected an SNS topic ARN".into());
            }
            s.topic_arn = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "ALERT_MIN_SEVERITY",
        default: Fallback::Value("CRITICAL"),
        help: "lowest severity that alerts: INFO, LOW, MEDIUM, HIGH, CRITICAL",
        apply: |s, v| {
            s.alert_min_severity = Severity::parse(v).ok_or("expected INFO, LOW, MEDIUM, HIGH or CRITICAL")?;
            Ok(())
        },
    },
    Setting {
        name: "REGIONS",
        default: Fallback::Unset("the SDK region"),
        help: "comma-separated regions to audit, or all: every region enabled in each account",
        apply: |s, v| {
            if v == "all" {
                s.all_regions = true;
                s.regions.clear();
                return Ok(());
            }
            for r in list(v) {
                let valid = r.split('-').count() >= 3 && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid {
                    return Err(format!("{r:?} is not a region name"));
                }
                if !s.regions.contains(&r) {
                    s.regions.push(r);
                }
            }
            Ok(())
        },
    },
    Setting {
        name: "ACCOUNTS",
        default: Fallback::Value("self"),
        help: "accounts a full scan covers: self, comma-separated 12-digit ids, or organization (every ACTIVE account, from the management or a delegated administrator account); other accounts are read through MEMBER_ROLE_NAME",
        apply: |s, v| {
            s.accounts = crate::member::Accounts::parse(v)?;
            Ok(())
        },
    },
    Setting {
        name: "MEMBER_ROLE_NAME",
        default: Fallback::Value("vigil-audit"),
        help: "the read-only role member.yaml creates in each member account, assumed to audit it",
        apply: |s, v| {
            let valid = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
            if v.len() > 64 || !v.chars().all(valid) {
                return Err("expected an IAM role name (letters, digits and +=,.@_-, at most 64)".into());
            }
            s.member_role_name = v.to_string();
            Ok(())
        },
    },
    Setting {
        name: "MEMBER_EXTERNAL_ID",
        default: Fallback::Unset("(none)"),
        help: "the ExternalId the member role's trust policy requires",
        apply: |s, v| {
            if v.len() < 2 || v.len() > 1224 {
                return Err("expected 2 to 1224 characters".into());
            }
            s.member_external_id = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "SHARD_QUEUE_URL",
        default: Fallback::Unset("(none: one invocation scans everything)"),
        help: "SQS queue a scheduled scan sends its shards to (one service in one account and region each); the function consumes it",
        apply: |s, v| {
            if !v.starts_with("https://") && !v.starts_with("http://") {
                return Err("expected an SQS queue URL".into());
            }
            s.shard_queue_url = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "SHARD_SECONDS",
        default: Fallback::Unset("(the invocation's deadline)"),
        help: "longest a shard runs before it sends the rest of its work back to the queue (0-900; 0 audits one resource per pass)",
        apply: |s, v| {
            s.shard_seconds = Some(number(v, 0, 900)? as u64);
            Ok(())
        },
    },
    Setting {
        name: "SCOPE_TAG",
        default: Fallback::Unset("(none)"),
        help: "only audit resources carrying this tag, as key=value (types whose tags vigil reads)",
        apply: |s, v| {
            s.scope_tag = Some(parse_tag(v)?);
            Ok(())
        },
    },
    Setting {
        name: "SCOPE_NAME_SUFFIX",
        default: Fallback::Unset("(none)"),
        help: "only audit resources whose name ends with this suffix (types whose id is a name)",
        apply: |s, v| {
            s.scope_name_suffix = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "EXEMPT_TAG",
        default: Fallback::Value("EmergencyAccess=true"),
        help: "resources with this tag get SUPPRESSED findings and never alert",
        apply: |s, v| {
            s.exempt_tag = parse_tag(v)?;
            Ok(())
        },
    },
    Setting {
        name: "TRUSTED_ACCOUNT_IDS",
        default: Fallback::Unset("(none)"),
        help: "comma-separated 12-digit accounts that may be granted access",
        apply: |s, v| {
            for a in list(v) {
                if a.len() != 12 || !a.chars().all(|c| c.is_ascii_digit()) {
                    return Err(format!("{a:?} is not a 12-digit account id"));
                }
                s.trusted_account_ids.insert(a);
            }
            Ok(())
        },
    },
    Setting {
        name: "SECURITY_HUB",
        default: Fallback::Value("off"),
        help: "on: import every lifecycle transition into Security Hub as an ASFF finding (OPEN is FAILED and ACTIVE, RESOLVED is PASSED and ARCHIVED, SUPPRESSED sets the workflow)",
        apply: |s, v| {
            s.security_hub = switch(v, "expected on or off")?;
            Ok(())
        },
    },
    Setting {
        name: "EVENT_BUS",
        default: Fallback::Unset("(none: no events)"),
        help: "EventBridge bus (name or ARN) that receives one `vigil Finding Transition` event per lifecycle transition",
        apply: |s, v| {
            let name = v.rsplit('/').next().unwrap_or(v);
            let valid = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
            if name.is_empty() || name.len() > 256 || !name.chars().all(valid) || (v.contains('/') && !v.starts_with("arn:")) {
                return Err("expected an event bus name or ARN".into());
            }
            s.event_bus = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "DRY_RUN",
        default: Fallback::Value("false"),
        help: "audit and log, but write nothing and publish nothing",
        apply: |s, v| {
            s.dry_run = switch(v, "expected true or false")?;
            Ok(())
        },
    },
    Setting {
        name: "AUDIT_CONCURRENCY",
        default: Fallback::Value("16"),
        help: "resources audited at once (1-256)",
        apply: |s, v| {
            s.audit_concurrency = number(v, 1, 256)? as usize;
            Ok(())
        },
    },
    Setting {
        name: "RESOLVED_TTL_DAYS",
        default: Fallback::Value("90"),
        help: "days a RESOLVED finding is kept before TTL expiry (1-3650)",
        apply: |s, v| {
            s.resolved_ttl_days = number(v, 1, 3650)? as u32;
            Ok(())
        },
    },
    Setting {
        name: "KEY_MAX_AGE_DAYS",
        default: Fallback::Value("90"),
        help: "oldest an active IAM access key may be (1-3650)",
        apply: |s, v| {
            s.key_max_age_days = number(v, 1, 3650)?;
            Ok(())
        },
    },
    Setting {
        name: "INACTIVE_DAYS",
        default: Fallback::Value("90"),
        help: "days without use after which IAM credentials or a role count as unused (1-3650)",
        apply: |s, v| {
            s.inactive_days = number(v, 1, 3650)?;
            Ok(())
        },
    },
    Setting {
        name: "ROOT_USE_DAYS",
        default: Fallback::Value("30"),
        help: "root user sign-in or access key use within this many days is a finding (1-3650)",
        apply: |s, v| {
            s.root_use_days = number(v, 1, 3650)?;
            Ok(())
        },
    },
    Setting {
        name: "REQUIRED_TAGS",
        default: Fallback::Unset("(none: the required-tags check is off)"),
        help: "tags every audited taggable resource must carry: `owner,environment=prod|dev` (a key, or a key and its allowed values)",
        apply: |s, v| {
            s.required_tags = required_tags(v)?;
            Ok(())
        },
    },
    Setting {
        name: "ROLE_MAX_SESSION_SECONDS",
        default: Fallback::Value("14400"),
        help: "longest acceptable role MaxSessionDuration (3600-43200); the 12-hour maximum is flagged",
        apply: |s, v| {
            s.role_max_session_seconds = number(v, 3600, 43_200)? as i32;
            Ok(())
        },
    },
    Setting {
        name: "BROAD_MANAGED_POLICIES",
        default: Fallback::Value("PowerUserAccess,IAMFullAccess"),
        help: "managed policy names or ARNs too broad to attach",
        apply: |s, v| {
            s.broad_managed_policies = list(v);
            Ok(())
        },
    },
    Setting {
        name: "EXEMPT_ROLE_NAMES",
        default: Fallback::Value("OrganizationAccountAccessRole"),
        help: "roles never audited (service-linked roles never are)",
        apply: |s, v| {
            s.exempt_role_names = list(v).into_iter().collect();
            Ok(())
        },
    },
    Setting {
        name: "SERVICES",
        default: Fallback::AllServices,
        help: "the services to audit, comma-separated",
        apply: |s, v| {
            let mut services = BTreeSet::new();
            for name in list(v) {
                let svc = crate::services::named(&name).ok_or_else(|| {
                    let known: Vec<&str> = crate::services::all().iter().map(|s| s.name()).collect();
                    format!("{name:?} is not one of {}", known.join(", "))
                })?;
                services.insert(svc.name().to_string());
            }
            if services.is_empty() {
                return Err("name at least one service".into());
            }
            s.services = services;
            Ok(())
        },
    },
    Setting {
        name: "HIGH_RISK_PORTS",
        default: Fallback::HighRiskPorts,
        help: "ports never to open to the internet",
        apply: |s, v| {
            s.high_risk_ports = ports(v)?;
            Ok(())
        },
    },
    Setting {
        name: "PUBLIC_PORTS",
        default: Fallback::Value("80,443"),
        help: "ports meant to be open to the internet",
        apply: |s, v| {
            s.public_ports = ports(v)?;
            Ok(())
        },
    },
];

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut s = Settings::default();
        for setting in SETTINGS {
            let Some(value) = get(setting.name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else { continue };
            (setting.apply)(&mut s, &value).map_err(|reason| ConfigError { var: setting.name, value, reason })?;
        }
        Ok(s)
    }
}

/// The configuration table, as the README shows it; a test keeps the README in step.
pub fn settings_markdown() -> String {
    let mut out = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for s in SETTINGS {
        // A `|` in the text (`prod|dev`) would end a table cell.
        out.push_str(&format!("| `{}` | {} | {} |\n", s.name, s.default_text(), s.help.replace('|', "\\|")));
    }
    out
}

/// The settings as `vigil --help` lists them.
pub fn settings_help() -> String {
    let mut out = String::from("Environment (see README, Configuration):\n");
    for s in SETTINGS {
        out.push_str(&format!("  {:<26} {} [default: {}]\n", s.name, s.help, s.default_text()));
    }
    out
}

fn list(v: &str) -> Vec<String> {
    v.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

/// A yes-or-no setting: on, true, yes or 1; off, false, no or 0.
fn switch(v: &str, expected: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(expected.to_string()),
    }
}

fn number(v: &str, min: i64, max: i64) -> Result<i64, String> {
    match v.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

/// A comma-separated list of ports from 0 to 65535.
fn ports(v: &str) -> Result<BTreeSet<u16>, String> {
    list(v).iter().map(|p| p.parse::<u16>().map_err(|_| format!("{p:?} is not a port number (0-65535)"))).collect()
}

fn parse_tag(v: &str) -> Result<TagMatch, String> {
    match v.split_once('=') {
        Some((k, val)) if !k.trim().is_empty() => Ok(TagMatch { key: k.trim().to_string(), value: val.trim().to_string() }),
        _ => Err("expected key=value".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_unset() {
        let s = from(&[]).unwrap();
        assert_eq!(s.alert_min_severity, Severity::Critical);
        assert_eq!(s.exempt_tag, TagMatch { key: "EmergencyAccess".into(), value: "true".into() });
        assert_eq!(s.audit_concurrency, 16);
        assert!(!s.dry_run);
        assert!(s.table_name.is_none());
    }

    #[test]
    fn values_are_parsed() {
        let s = from(&[
            ("ALERT_MIN_SEVERITY", "high"),
            ("REGIONS", "us-east-1, eu-west-1,us-east-1"),
            ("SCOPE_TAG", "env=prod"),
            ("TRUSTED_ACCOUNT_IDS", "111111111111,222222222222"),
            ("DRY_RUN", "true"),
            ("AUDIT_CONCURRENCY", "4"),
        ])
        .unwrap();
        assert_eq!(s.alert_min_severity, Severity::High);
        assert_eq!(s.regions, vec!["us-east-1", "eu-west-1"]);
        assert_eq!(s.scope_tag.unwrap().value, "prod");
        assert_eq!(s.trusted_account_ids.len(), 2);
        assert!(s.dry_run);
        assert_eq!(s.audit_concurrency, 4);
        let s = from(&[("KEY_MAX_AGE_DAYS", "30"), ("BROAD_MANAGED_POLICIES", "ReadOnlyAccess, arn:aws:iam::aws:policy/IAMFullAccess")]).unwrap();
        assert_eq!(s.key_max_age_days, 30);
        assert_eq!(s.broad_managed_policies, vec!["ReadOnlyAccess", "arn:aws:iam::aws:policy/IAMFullAccess"]);
        assert!(s.exempt_role_names.contains("OrganizationAccountAccessRole"));
        let s = from(&[("HIGH_RISK_PORTS", "22, 3389"), ("PUBLIC_PORTS", "443"), ("SERVICES", "ec2,RDS")]).unwrap();
        assert_eq!(s.high_risk_ports.into_iter().collect::<Vec<_>>(), vec![22, 3389]);
        assert_eq!(s.public_ports.into_iter().collect::<Vec<_>>(), vec![443]);
        assert_eq!(s.services.into_iter().collect::<Vec<_>>(), vec!["ec2", "rds"]);
        let d = from(&[]).unwrap();
        assert_eq!(d.high_risk_ports.len(), 29);
        assert!(d.public_ports.contains(&80));
    }

    #[test]
    fn registry_defaults_are_valid_and_complete() {
        for s in SETTINGS {
            if let Some(v) = s.default_value() {
                let mut x = Settings::default();
                assert!((s.apply)(&mut x, &v).is_ok(), "{} default {v:?} does not parse", s.name);
            }
        }
        let names: BTreeSet<&str> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), SETTINGS.len(), "a variable is listed twice");
        let d = Settings::default();
        assert_eq!(d.services.len(), crate::services::all().len());
        assert_eq!(d.exempt_role_names.iter().collect::<Vec<_>>(), vec!["OrganizationAccountAccessRole"]);
        assert_eq!(d.resolved_ttl_days, 90);
        assert_eq!(d.role_max_session_seconds, 14_400);
    }

    #[test]
    fn readme_configuration_table_is_generated() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
        assert!(
            readme.contains(&settings_markdown()),
            "README.md's configuration table drifted from the registry; paste `vigil settings`:\n{}",
            settings_markdown()
        );
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (k, v) in [
            ("ALERT_MIN_SEVERITY", "urgent"),
            ("REGIONS", "moon"),
            ("SCOPE_TAG", "novalue"),
            ("EXEMPT_TAG", "=x"),
            ("TRUSTED_ACCOUNT_IDS", "12345"),
            ("DRY_RUN", "maybe"),
            ("AUDIT_CONCURRENCY", "0"),
            ("TOPIC_ARN", "my-topic"),
            ("RESOLVED_TTL_DAYS", "-1"),
            ("KEY_MAX_AGE_DAYS", "0"),
            ("INACTIVE_DAYS", "ninety"),
            ("ROLE_MAX_SESSION_SECONDS", "60"),
            ("SERVICES", "s3,ec9"),
            ("HIGH_RISK_PORTS", "22,ssh"),
            ("PUBLIC_PORTS", "70000"),
        ] {
            let err = from(&[(k, v)]).unwrap_err();
            assert_eq!(err.var, k);
            assert!(err.to_string().contains(k), "{err}");
        }
    }
}
