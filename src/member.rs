//! Member accounts: which accounts are audited (`ACCOUNTS`), how each is reached (an assumed member
//! role, its credentials kept until near expiry), and the finding an unreachable member gets.
//!
//! The account vigil runs in is read with its own credentials. Every other account is read
//! through `sts:AssumeRole` into `MEMBER_ROLE_NAME` (with `MEMBER_EXTERNAL_ID` when set), which
//! `member.yaml` creates in each member. A member whose role cannot be assumed is judged by
//! [`ROLE_UNAVAILABLE`] and none of its resources are read, so nothing of it is swept.

use crate::aws::{classify, each_page, Clients};
use crate::check::{Check, Context, On, Outcome};
use crate::config::Settings;
use crate::error::AwsError;
use crate::model::{Severity, ACCOUNT};
use crate::service::Subject;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Which accounts a full scan covers (`ACCOUNTS`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Accounts {
    /// The account vigil runs in.
    #[default]
    Own,
    /// These accounts (the own account is read with its own credentials when listed).
    Ids(Vec<String>),
    /// Every ACTIVE account of the organization (Organizations `ListAccounts`, from the management
    /// or a delegated administrator account).
    Organization,
}

impl Accounts {
    /// Parses `self`, `organization`, or comma-separated 12-digit ids.
    pub fn parse(v: &str) -> Result<Accounts, String> {
        match v.trim() {
            "self" => Ok(Accounts::Own),
            "organization" => Ok(Accounts::Organization),
            list => {
                let mut ids: Vec<String> = Vec::new();
                for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
                        return Err(format!("{id:?} is not self, organization or a 12-digit account id"));
                    }
                    if !ids.iter().any(|i| i == id) {
                        ids.push(id.to_string());
                    }
                }
                if ids.is_empty() {
                    return Err("expected self, organization or account ids".into());
                }
                Ok(Accounts::Ids(ids))
            }
        }
    }

    /// Whether an event from `account` is audited: the own account always; a listed one; any
    /// account of the organization (the central bus admits only the organization's accounts).
    pub fn admits(&self, account: &str, own: &str) -> bool {
        account == own
            || match self {
                Accounts::Own => false,
                Accounts::Ids(ids) => ids.iter().any(|i| i == account),
                Accounts::Organization => true,
            }
    }
}

/// One audited account, with its name when Organizations gave one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Member {
    /// `id (name)`, or the id alone.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{} ({n})", self.id),
            None => self.id.clone(),
        }
    }
}

/// The accounts a full scan covers, the own account first.
pub async fn members(clients: &Clients, settings: &Settings, own: &str) -> Result<Vec<Member>, AwsError> {
    let mut out = match &settings.accounts {
        Accounts::Own => vec![Member { id: own.to_string(), name: None }],
        Accounts::Ids(ids) => ids.iter().map(|id| Member { id: id.clone(), name: None }).collect(),
        Accounts::Organization => organization(clients).await?,
    };
    out.sort_by_key(|m| m.id != own);
    Ok(out)
}

/// Every ACTIVE account of the organization (suspended and closing accounts are not read).
async fn organization(clients: &Clients) -> Result<Vec<Member>, AwsError> {
    use aws_sdk_organizations::types::AccountStatus;
    let org = clients.regional("", |sdk, recorder| {
        aws_sdk_organizations::Client::from_conf(aws_sdk_organizations::config::Builder::from(sdk).interceptor(recorder.clone()).build())
    });
    let mut out = Vec::new();
    let pages = org.list_accounts().into_paginator().send();
    each_page(pages, |page| {
        for a in page.accounts.unwrap_or_default() {
            #[allow(deprecated)]
            let active = a.status() == Some(&AccountStatus::Active);
            if let (true, Some(id)) = (active, a.id()) {
                out.push(Member { id: id.to_string(), name: a.name().map(str::to_string) });
            }
        }
    })
    .await?;
    Ok(out)
}

/// Credentials kept this long before they expire are assumed again.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// Clients for member accounts, each built on an assumed role and kept until its credentials
/// near expiry: one `AssumeRole` per member per hour, not per shard.
#[derive(Debug, Default)]
pub struct MemberClients {
    by_account: Mutex<HashMap<String, (Arc<Clients>, SystemTime)>>,
}

impl MemberClients {
    /// The clients that read `account`: its own when it is `own`, else an assumed member role.
    pub async fn clients(&self, home: &Arc<Clients>, settings: &Settings, own: &str, account: &str) -> Result<Arc<Clients>, AwsError> {
        if account == own {
            return Ok(Arc::clone(home));
        }
        let fresh = |expiry: &SystemTime| expiry.duration_since(SystemTime::now()).is_ok_and(|left| left > REFRESH_BEFORE_EXPIRY);
        if let Some((c, expiry)) = self.by_account.lock().unwrap_or_else(|p| p.into_inner()).get(account) {
            if fresh(expiry) {
                return Ok(Arc::clone(c));
            }
        }
        let role = role_arn(&home.default_region(), account, &settings.member_role_name);
        let mut call = home.sts().assume_role().role_arn(&role).role_session_name("vigil-audit").duration_seconds(3600);
        if let Some(id) = &settings.member_external_id {
            call = call.external_id(id);
        }
        let out = call.send().await.map_err(|e| classify(&e))?;
        let c = out.credentials().ok_or_else(|| AwsError::other(crate::error::Operation { service: "sts", name: "AssumeRole" }, "the answer has no Credentials"))?;
        let expiry = SystemTime::try_from(*c.expiration()).unwrap_or_else(|_| SystemTime::now() + Duration::from_secs(900));
        let creds = Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_string()), Some(expiry), "vigil-member-role");
        let clients = Arc::new(home.with_credentials(SharedCredentialsProvider::new(creds)));
        self.by_account.lock().unwrap_or_else(|p| p.into_inner()).insert(account.to_string(), (Arc::clone(&clients), expiry));
        Ok(clients)
    }
}

/// The member role's ARN in `account`.
pub fn role_arn(region: &str, account: &str, role_name: &str) -> String {
    format!("arn:{}:iam::{account}:role/{role_name}", crate::model::partition(region))
}

/// Whether vigil could read a member account: the subject of [`ROLE_UNAVAILABLE`].
#[derive(Debug)]
pub struct MemberAccess {
    pub role_arn: String,
    /// Why the role could not be assumed; `None` when it was.
    pub error: Option<String>,
}

impl Subject for MemberAccess {}

/// The account as vigil judges its reachability (the account resource, in the home region).
pub fn access_unit(account: &str, region: &str, access: MemberAccess) -> crate::service::Snapshot {
    crate::service::Snapshot::new(crate::model::ResourceRef::new(ACCOUNT, account, account, region), access)
}

/// The checks about vigil's reach into member accounts, in catalogue order.
pub static CHECKS: &[&Check] = &[&ROLE_UNAVAILABLE];

pub static ROLE_UNAVAILABLE: Check = Check {
    id: "vigil_member_role_unavailable",
    title: "vigil cannot assume its audit role in a member account",
    severity: Severity::High,
    resource_types: &[ACCOUNT],
    risk: "Nothing in this account is being audited: its misconfigurations go unseen, and its earlier findings \
           can neither resolve nor reopen until vigil can read it again.",
    remediation: "Deploy member.yaml to the account (or the organization's StackSet to its OU), with the role name \
                  and ExternalId vigil is configured with (MEMBER_ROLE_NAME, MEMBER_EXTERNAL_ID), and check that no \
                  SCP denies sts:AssumeRole into it.",
    remediation_cli: "aws cloudformation create-stack-instances --stack-set-name vigil-member --accounts {id} --regions us-east-1",
    compliance: &[],
    eval: &On(eval),
    advice: None,
};

fn eval(a: &MemberAccess, _: &Context) -> Option<Outcome> {
    Some(match &a.error {
        Some(why) => Outcome::fail(format!("sts:AssumeRole into {} failed: {why}", a.role_arn)),
        None => Outcome::Pass,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn accounts_parse_and_admit() {
        assert_eq!(Accounts::parse("self"), Ok(Accounts::Own));
        assert_eq!(Accounts::parse("organization"), Ok(Accounts::Organization));
        assert_eq!(Accounts::parse("111111111111, 222222222222,111111111111"), Ok(Accounts::Ids(vec!["111111111111".into(), "222222222222".into()])));
        assert!(Accounts::parse("1234").unwrap_err().contains("12-digit"));
        assert!(Accounts::parse(",").is_err());
        let own = "999999999999";
        assert!(Accounts::Own.admits(own, own) && !Accounts::Own.admits("111111111111", own));
        assert!(Accounts::parse("111111111111").unwrap().admits("111111111111", own));
        assert!(!Accounts::parse("111111111111").unwrap().admits("222222222222", own));
        assert!(Accounts::Organization.admits("222222222222", own));
    }

    #[test]
    fn an_unreachable_member_fails_and_a_reachable_one_passes() {
        let ctx = Context::new(&Settings::default(), "111111111111", "aws", Utc::now());
        let denied = MemberAccess { role_arn: role_arn("us-east-1", "111111111111", "vigil-audit"), error: Some("AccessDenied: not authorized".into()) };
        match ROLE_UNAVAILABLE.evaluate(&denied, &ctx) {
            Some(Outcome::Fail(f)) => assert!(f.detail.contains("arn:aws:iam::111111111111:role/vigil-audit") && f.detail.contains("AccessDenied")),
            other => panic!("expected a failure, got {other:?}"),
        }
        let ok = MemberAccess { role_arn: denied.role_arn.clone(), error: None };
        assert_eq!(ROLE_UNAVAILABLE.evaluate(&ok, &ctx), Some(Outcome::Pass));
        assert_eq!(role_arn("cn-north-1", "111111111111", "r"), "arn:aws-cn:iam::111111111111:role/r");
    }
}
