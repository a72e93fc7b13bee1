//! Runtime settings read from environment variables, validated once at start.

use crate::model::{ResourceType, Severity};
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

/// A family of resources vigil audits; `SERVICES` picks which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    S3,
    Iam,
    Ec2,
    Rds,
}

impl Service {
    pub const ALL: &'static [Service] = &[Service::S3, Service::Iam, Service::Ec2, Service::Rds];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::S3 => "s3",
            Service::Iam => "iam",
            Service::Ec2 => "ec2",
            Service::Rds => "rds",
        }
    }

    /// The service a resource type belongs to.
    pub fn of(kind: ResourceType) -> Service {
        use ResourceType as T;
        match kind {
            T::S3Bucket => Service::S3,
            T::IamUser | T::IamRole | T::IamGroup | T::IamPolicy | T::Account => Service::Iam,
            T::Ec2SecurityGroup | T::Ec2Vpc | T::Ec2Subnet | T::Ec2RouteTable | T::Ec2FlowLog | T::Ec2Volume | T::AccountRegion => {
                Service::Ec2
            }
            T::RdsDbInstance => Service::Rds,
        }
    }
}

/// Everything vigil reads from its environment. AWS endpoint, region and credentials are not here:
/// aws-config reads those.
#[derive(Debug, Clone)]
pub struct Settings {
    /// DynamoDB findings table. Without it, findings are computed and reported but not stored.
    pub table_name: Option<String>,
    /// SNS topic for alerts. Without it, no alert is published.
    pub topic_arn: Option<String>,
    pub alert_min_severity: Severity,
    /// Regions to audit. Empty means "the SDK's region".
    pub regions: Vec<String>,
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
    pub role_max_session_seconds: i32,
    /// Managed policy names or ARNs reported by `iam_broad_managed_policy`.
    pub broad_managed_policies: Vec<String>,
    /// Roles never audited (besides service-linked roles, which never are).
    pub exempt_role_names: BTreeSet<String>,
    /// The services audited (scans and events).
    pub services: BTreeSet<Service>,
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
    fn default() -> Self {
        Settings {
            table_name: None,
            topic_arn: None,
            alert_min_severity: Severity::Critical,
            regions: Vec::new(),
            scope_tag: None,
            scope_name_suffix: None,
            exempt_tag: TagMatch { key: "EmergencyAccess".into(), value: "true".into() },
            trusted_account_ids: BTreeSet::new(),
            dry_run: false,
            audit_concurrency: 16,
            resolved_ttl_days: 90,
            key_max_age_days: 90,
            inactive_days: 90,
            role_max_session_seconds: 14_400,
            broad_managed_policies: vec!["PowerUserAccess".into(), "IAMFullAccess".into()],
            exempt_role_names: ["OrganizationAccountAccessRole".to_string()].into_iter().collect(),
            services: Service::ALL.iter().copied().collect(),
            high_risk_ports: DEFAULT_HIGH_RISK_PORTS.iter().copied().collect(),
            public_ports: [80, 443].into_iter().collect(),
        }
    }
}

/// The variables vigil reads, with their defaults and meaning; the README's table mirrors this.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("TABLE_NAME", "(none: findings are not stored)", "DynamoDB table holding findings"),
    ("TOPIC_ARN", "(none: no alerts)", "SNS topic that receives alerts"),
    ("ALERT_MIN_SEVERITY", "CRITICAL", "lowest severity that alerts: INFO, LOW, MEDIUM, HIGH, CRITICAL"),
    ("REGIONS", "the SDK region", "comma-separated regions to audit"),
    ("SCOPE_TAG", "(none)", "only audit resources carrying this tag, as key=value"),
    ("SCOPE_NAME_SUFFIX", "(none)", "only audit resources whose name ends with this suffix"),
    ("EXEMPT_TAG", "EmergencyAccess=true", "resources with this tag get SUPPRESSED findings and never alert"),
    ("TRUSTED_ACCOUNT_IDS", "(none)", "comma-separated 12-digit accounts that may be granted access"),
    ("DRY_RUN", "false", "audit and log, but write nothing and publish nothing"),
    ("AUDIT_CONCURRENCY", "16", "resources audited at once (1-256)"),
    ("RESOLVED_TTL_DAYS", "90", "days a RESOLVED finding is kept before TTL expiry (1-3650)"),
    ("KEY_MAX_AGE_DAYS", "90", "oldest an active IAM access key may be (1-3650)"),
    ("INACTIVE_DAYS", "90", "days without use after which IAM credentials or a role count as unused (1-3650)"),
    ("ROLE_MAX_SESSION_SECONDS", "14400", "longest acceptable role MaxSessionDuration (3600-43200)"),
    ("BROAD_MANAGED_POLICIES", "PowerUserAccess,IAMFullAccess", "managed policy names or ARNs too broad to attach"),
    ("EXEMPT_ROLE_NAMES", "OrganizationAccountAccessRole", "roles never audited (service-linked roles never are)"),
    ("SERVICES", "s3,iam,ec2,rds", "the services to audit, comma-separated"),
    ("HIGH_RISK_PORTS", "20,21,22,23,25,110,135,143,445,1433,1434,3000,3306,3389,4333,5000,5432,5500,5601,5984,6379,8080,8088,8888,9200,9300,11211,27017,27018", "ports never to open to the internet"),
    ("PUBLIC_PORTS", "80,443", "ports meant to be open to the internet"),
];

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut s = Settings::default();
        let var = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        s.table_name = var("TABLE_NAME");
        if let Some(v) = var("TOPIC_ARN") {
            if !v.starts_with("arn:") || v.split(':').count() != 6 {
                return Err(bad("TOPIC_ARN", &v, "expected an SNS topic ARN"));
            }
            s.topic_arn = Some(v);
        }
        if let Some(v) = var("ALERT_MIN_SEVERITY") {
            s.alert_min_severity = Severity::parse(&v)
                .ok_or_else(|| bad("ALERT_MIN_SEVERITY", &v, "expected INFO, LOW, MEDIUM, HIGH or CRITICAL"))?;
        }
        if let Some(v) = var("REGIONS") {
            for r in v.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                let valid = r.split('-').count() >= 3
                    && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid {
                    return Err(bad("REGIONS", &v, &format!("{r:?} is not a region name")));
                }
                if !s.regions.iter().any(|x| x == r) {
                    s.regions.push(r.to_string());
                }
            }
        }
        if let Some(v) = var("SCOPE_TAG") {
            s.scope_tag = Some(parse_tag("SCOPE_TAG", &v)?);
        }
        s.scope_name_suffix = var("SCOPE_NAME_SUFFIX");
        if let Some(v) = var("EXEMPT_TAG") {
            s.exempt_tag = parse_tag("EXEMPT_TAG", &v)?;
        }
        if let Some(v) = var("TRUSTED_ACCOUNT_IDS") {
            for a in v.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                if a.len() != 12 || !a.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad("TRUSTED_ACCOUNT_IDS", &v, &format!("{a:?} is not a 12-digit account id")));
                }
                s.trusted_account_ids.insert(a.to_string());
            }
        }
        if let Some(v) = var("DRY_RUN") {
            s.dry_run = match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => return Err(bad("DRY_RUN", &v, "expected true or false")),
            };
        }
        if let Some(v) = var("AUDIT_CONCURRENCY") {
            s.audit_concurrency = match v.parse::<usize>() {
                Ok(n) if (1..=256).contains(&n) => n,
                _ => return Err(bad("AUDIT_CONCURRENCY", &v, "expected a whole number from 1 to 256")),
            };
        }
        if let Some(v) = var("RESOLVED_TTL_DAYS") {
            s.resolved_ttl_days = match v.parse::<u32>() {
                Ok(n) if (1..=3650).contains(&n) => n,
                _ => return Err(bad("RESOLVED_TTL_DAYS", &v, "expected a whole number from 1 to 3650")),
            };
        }
        s.key_max_age_days = number(&var, "KEY_MAX_AGE_DAYS", 1, 3650)?.unwrap_or(s.key_max_age_days);
        s.inactive_days = number(&var, "INACTIVE_DAYS", 1, 3650)?.unwrap_or(s.inactive_days);
        s.role_max_session_seconds =
            number(&var, "ROLE_MAX_SESSION_SECONDS", 3600, 43_200)?.map_or(s.role_max_session_seconds, |n| n as i32);
        if let Some(v) = var("BROAD_MANAGED_POLICIES") {
            s.broad_managed_policies = list(&v);
        }
        if let Some(v) = var("EXEMPT_ROLE_NAMES") {
            s.exempt_role_names = list(&v).into_iter().collect();
        }
        if let Some(v) = var("SERVICES") {
            let mut services = BTreeSet::new();
            for name in list(&v) {
                let svc = Service::ALL.iter().find(|x| x.as_str().eq_ignore_ascii_case(&name));
                services.insert(*svc.ok_or_else(|| bad("SERVICES", &v, &format!("{name:?} is not one of s3, iam, ec2, rds")))?);
            }
            if services.is_empty() {
                return Err(bad("SERVICES", &v, "name at least one service"));
            }
            s.services = services;
        }
        if let Some(v) = var("HIGH_RISK_PORTS") {
            s.high_risk_ports = ports("HIGH_RISK_PORTS", &v)?;
        }
        if let Some(v) = var("PUBLIC_PORTS") {
            s.public_ports = ports("PUBLIC_PORTS", &v)?;
        }
        Ok(s)
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn number(var: &impl Fn(&str) -> Option<String>, name: &'static str, min: i64, max: i64) -> Result<Option<i64>, ConfigError> {
    let Some(v) = var(name) else { return Ok(None) };
    match v.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(bad(name, &v, &format!("expected a whole number from {min} to {max}"))),
    }
}

/// A comma-separated list of ports from 0 to 65535.
fn ports(var: &'static str, v: &str) -> Result<BTreeSet<u16>, ConfigError> {
    list(v)
        .iter()
        .map(|p| p.parse::<u16>().map_err(|_| bad(var, v, &format!("{p:?} is not a port number (0-65535)"))))
        .collect()
}

fn bad(var: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError { var, value: value.to_string(), reason: reason.to_string() }
}

fn parse_tag(var: &'static str, v: &str) -> Result<TagMatch, ConfigError> {
    match v.split_once('=') {
        Some((k, val)) if !k.trim().is_empty() => {
            Ok(TagMatch { key: k.trim().to_string(), value: val.trim().to_string() })
        }
        _ => Err(bad(var, v, "expected key=value")),
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
        assert_eq!(s.services.into_iter().collect::<Vec<_>>(), vec![Service::Ec2, Service::Rds]);
        let d = from(&[]).unwrap();
        assert_eq!(d.high_risk_ports.len(), 29);
        assert!(d.public_ports.contains(&80));
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
