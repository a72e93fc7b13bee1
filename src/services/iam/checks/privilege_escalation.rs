//! `iam_privilege_escalation`: the principal's effective permissions complete a known privilege
//! escalation path. The path catalogue is [`PATHS`]; each path's actions may come from different
//! policies, and each is decided by the policy engine with its resource constraint.

use super::{one_step_lower, PRINCIPALS};
use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::policy::engine::{self, Grant, Request, Scope};
use crate::services::iam::snapshot::Principal;
use crate::services::iam::report::policies_of;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub static CHECK: Check = Check {
    id: "iam_privilege_escalation",
    title: "IAM principal can escalate its own privileges",
    severity: Severity::Critical,
    resource_types: PRINCIPALS,
    risk: "The principal looks limited but holds a combination of permissions that lets it grant itself more: \
           rewrite a policy it is attached to, mint credentials for another user, or pass a powerful role to \
           compute it controls. Anyone with its credentials becomes administrator in a few API calls.",
    remediation: "Remove the permissions of each reported path, or constrain them to resources that cannot \
                  lead to more privilege (specific policy, role or user ARNs), or guard them with a Deny or \
                  a permissions boundary.",
    remediation_cli: "aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::ACCOUNT_ID:{id} --action-names iam:CreatePolicyVersion iam:PassRole",
    compliance: &[],
    eval: &On(eval),
    advice: Some(advice),
};

/// What a path needs the resource of an action to be. `{p}` is the partition, `{a}` the account.
#[derive(Debug, Clone, Copy)]
pub struct Need {
    pub action: &'static str,
    pub resource: &'static str,
    pub scope: Scope,
    /// Request context the path fixes: the service a `PassRole` hands the role to.
    pub context: &'static [(&'static str, &'static str)],
}

/// A known escalation path: every need must be granted.
#[derive(Debug)]
pub struct Path {
    pub name: &'static str,
    pub needs: &'static [Need],
}

const fn any(action: &'static str, resource: &'static str) -> Need {
    Need { action, resource, scope: Scope::Any, context: &[] }
}

/// An action that cannot be limited to a resource: only a statement on `*` grants it.
const fn unscoped(action: &'static str) -> Need {
    Need { action, resource: "*", scope: Scope::Unscoped, context: &[] }
}

/// `iam:PassRole` of any role, to the named service: a PassRole whose `iam:PassedToService`
/// condition excludes that service does not complete the path.
/// With the resource the role is associated with, a PassRole whose `iam:AssociatedResourceArn`
/// condition no such resource can meet does not complete it either.
macro_rules! pass_role_to {
    ($service:literal) => {
        Need { action: "iam:PassRole", resource: ROLE, scope: Scope::Any, context: &[("iam:PassedToService", $service)] }
    };
    ($service:literal, $associated:expr) => {
        Need {
            action: "iam:PassRole",
            resource: ROLE,
            scope: Scope::Any,
            context: &[("iam:PassedToService", $service), ("iam:AssociatedResourceArn", $associated)],
        }
    };
}

const POLICY: &str = "arn:{p}:iam::{a}:policy/*";
const USER: &str = "arn:{p}:iam::{a}:user/*";
const GROUP: &str = "arn:{p}:iam::{a}:group/*";
const ROLE: &str = "arn:{p}:iam::{a}:role/*";
const INSTANCE: &str = "arn:{p}:ec2:*:{a}:instance/*";
const FUNCTION: &str = "arn:{p}:lambda:*:{a}:function:*";
const LAUNCH_TEMPLATE: &str = "arn:{p}:ec2:*:{a}:launch-template/*";
const PIPELINE: &str = "arn:{p}:datapipeline:*:{a}:pipeline/*";
const AUTO_SCALING_GROUP: &str = "arn:{p}:autoscaling:*:{a}:autoScalingGroup:*:autoScalingGroupName/*";

/// The path catalogue (after Rhino Security Labs' and Bishop Fox's published research).
pub static PATHS: &[Path] = &[
    Path { name: "CreatePolicyVersion", needs: &[any("iam:CreatePolicyVersion", POLICY)] },
    Path { name: "SetDefaultPolicyVersion", needs: &[any("iam:SetDefaultPolicyVersion", POLICY)] },
    Path { name: "AttachUserPolicy", needs: &[any("iam:AttachUserPolicy", USER)] },
    Path { name: "AttachGroupPolicy", needs: &[any("iam:AttachGroupPolicy", GROUP)] },
    Path { name: "AttachRolePolicy", needs: &[any("iam:AttachRolePolicy", ROLE)] },
    Path { name: "PutUserPolicy", needs: &[any("iam:PutUserPolicy", USER)] },
    Path { name: "PutGroupPolicy", needs: &[any("iam:PutGroupPolicy", GROUP)] },
    Path { name: "PutRolePolicy", needs: &[any("iam:PutRolePolicy", ROLE)] },
    Path { name: "AddUserToGroup", needs: &[any("iam:AddUserToGroup", GROUP)] },
    Path {
        name: "UpdateAssumeRolePolicy+AssumeRole",
        needs: &[any("iam:UpdateAssumeRolePolicy", ROLE), any("sts:AssumeRole", ROLE)],
    },
    Path { name: "CreateAccessKey", needs: &[any("iam:CreateAccessKey", USER)] },
    Path { name: "CreateLoginProfile", needs: &[any("iam:CreateLoginProfile", USER)] },
    Path { name: "UpdateLoginProfile", needs: &[any("iam:UpdateLoginProfile", USER)] },
    Path { name: "PassRole+EC2RunInstances", needs: &[pass_role_to!("ec2.amazonaws.com", INSTANCE), any("ec2:RunInstances", INSTANCE)] },
    Path {
        name: "PassRole+LambdaCreateFunction+InvokeFunction",
        needs: &[pass_role_to!("lambda.amazonaws.com", FUNCTION), any("lambda:CreateFunction", FUNCTION), any("lambda:InvokeFunction", FUNCTION)],
    },
    Path {
        name: "PassRole+LambdaCreateFunction+CreateEventSourceMapping",
        needs: &[pass_role_to!("lambda.amazonaws.com", FUNCTION), any("lambda:CreateFunction", FUNCTION), unscoped("lambda:CreateEventSourceMapping")],
    },
    Path {
        name: "PassRole+GlueCreateDevEndpoint",
        needs: &[pass_role_to!("glue.amazonaws.com"), unscoped("glue:CreateDevEndpoint")],
    },
    Path {
        name: "PassRole+CloudFormationCreateStack",
        needs: &[pass_role_to!("cloudformation.amazonaws.com"), any("cloudformation:CreateStack", "arn:{p}:cloudformation:*:{a}:stack/*")],
    },
    Path {
        name: "PassRole+DataPipeline",
        needs: &[
            pass_role_to!("datapipeline.amazonaws.com"),
            unscoped("datapipeline:CreatePipeline"),
            any("datapipeline:PutPipelineDefinition", PIPELINE),
            any("datapipeline:ActivatePipeline", PIPELINE),
        ],
    },
    Path {
        name: "PassRole+CodeBuildCreateProject+StartBuild",
        needs: &[
            pass_role_to!("codebuild.amazonaws.com"),
            any("codebuild:CreateProject", "arn:{p}:codebuild:*:{a}:project/*"),
            any("codebuild:StartBuild", "arn:{p}:codebuild:*:{a}:project/*"),
        ],
    },
    Path {
        name: "PassRole+SageMakerCreateNotebookInstance",
        needs: &[pass_role_to!("sagemaker.amazonaws.com"), any("sagemaker:CreateNotebookInstance", "arn:{p}:sagemaker:*:{a}:notebook-instance/*")],
    },
    Path {
        name: "PassRole+SageMakerCreateTrainingJob",
        needs: &[pass_role_to!("sagemaker.amazonaws.com"), any("sagemaker:CreateTrainingJob", "arn:{p}:sagemaker:*:{a}:training-job/*")],
    },
    Path {
        name: "PassRole+SageMakerCreateProcessingJob",
        needs: &[pass_role_to!("sagemaker.amazonaws.com"), any("sagemaker:CreateProcessingJob", "arn:{p}:sagemaker:*:{a}:processing-job/*")],
    },
    Path { name: "LambdaUpdateFunctionCode", needs: &[any("lambda:UpdateFunctionCode", FUNCTION)] },
    Path { name: "GlueUpdateDevEndpoint", needs: &[any("glue:UpdateDevEndpoint", "arn:{p}:glue:*:{a}:devEndpoint/*")] },
    Path {
        name: "CloudFormationUpdateStack",
        needs: &[any("cloudformation:UpdateStack", "arn:{p}:cloudformation:*:{a}:stack/*")],
    },
    Path {
        name: "SageMakerCreatePresignedNotebookInstanceUrl",
        needs: &[any("sagemaker:CreatePresignedNotebookInstanceUrl", "arn:{p}:sagemaker:*:{a}:notebook-instance/*")],
    },
    Path { name: "SSMSendCommand", needs: &[any("ssm:SendCommand", INSTANCE)] },
    Path { name: "SSMStartSession", needs: &[any("ssm:StartSession", INSTANCE)] },
    Path { name: "EC2InstanceConnectSendSSHPublicKey", needs: &[any("ec2-instance-connect:SendSSHPublicKey", INSTANCE)] },
    // New user data on an existing instance runs as the instance's role at its next start.
    Path {
        name: "EC2ModifyInstanceAttribute+StopInstances+StartInstances",
        needs: &[any("ec2:ModifyInstanceAttribute", INSTANCE), any("ec2:StopInstances", INSTANCE), any("ec2:StartInstances", INSTANCE)],
    },
    // A new default launch-template version (its user data, its instance profile) reaches the
    // instances an Auto Scaling group launches from it; an instance refresh launches them now.
    Path {
        name: "EC2CreateLaunchTemplateVersion+ModifyLaunchTemplate+AutoScalingStartInstanceRefresh",
        needs: &[
            any("ec2:CreateLaunchTemplateVersion", LAUNCH_TEMPLATE),
            any("ec2:ModifyLaunchTemplate", LAUNCH_TEMPLATE),
            any("autoscaling:StartInstanceRefresh", AUTO_SCALING_GROUP),
        ],
    },
    // A shell in a running task, with the task role's credentials.
    Path { name: "ECSExecuteCommand", needs: &[any("ecs:ExecuteCommand", "arn:{p}:ecs:*:{a}:task/*")] },
    Path { name: "UnrestrictedAssumeRole", needs: &[Need { action: "sts:AssumeRole", resource: ROLE, scope: Scope::All, context: &[] }] },
];

/// One action of a path and the policy statements that grant it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantedAction {
    pub action: String,
    #[serde(flatten)]
    pub grant: Grant,
}

/// A role that a `PassRole` limited to named roles can hand to the path's service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReachedRole {
    pub name: String,
    /// Whether the role is itself an administrator or can escalate; `None` when its permissions
    /// were not read (then it counts as privileged).
    pub privileged: Option<bool>,
}

/// How many reached roles a finding's detail names (the evidence lists them all).
const ROLES_NAMED: usize = 5;

/// A path the principal completes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoundPath {
    pub path: String,
    pub actions: Vec<GrantedAction>,
    pub conditional: bool,
    /// For a `PassRole` limited to named roles, judged against the account's roles: the roles that
    /// exist, may be passed, and trust the service. Empty when it reaches every role, or when the
    /// roles were not listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ReachedRole>,
}

impl FoundPath {
    /// The path hands over only roles known to be neither administrators nor able to escalate.
    pub fn only_unprivileged_roles(&self) -> bool {
        !self.roles.is_empty() && self.roles.iter().all(|r| r.privileged == Some(false))
    }

    fn severity(&self) -> Severity {
        let mut s = CHECK.severity;
        if self.conditional {
            s = one_step_lower(s);
        }
        if self.only_unprivileged_roles() {
            s = one_step_lower(s);
        }
        s
    }

    fn label(&self) -> String {
        let mut notes = Vec::new();
        if !self.roles.is_empty() {
            let mut names: Vec<String> = self
                .roles
                .iter()
                .take(ROLES_NAMED)
                .map(|r| if r.privileged == Some(false) { r.name.clone() } else { format!("{} (privileged)", r.name) })
                .collect();
            if self.roles.len() > ROLES_NAMED {
                names.push(format!("{} more", self.roles.len() - ROLES_NAMED));
            }
            let noun = if self.roles.len() == 1 { "role" } else { "roles" };
            notes.push(format!("through {noun} {}", names.join(", ")));
        }
        if self.conditional {
            let gates: Vec<&str> = self.actions.iter().flat_map(|a| a.grant.gates.iter().map(String::as_str)).collect();
            notes.push(format!("only when {}", gates.join(" and ")));
        }
        if notes.is_empty() {
            self.path.clone()
        } else {
            format!("{} ({})", self.path, notes.join("; "))
        }
    }
}

/// What a finding of this check records: every path found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    pub paths: Vec<FoundPath>,
}

/// Every path of [`PATHS`] the principal completes. Empty for a full administrator, which
/// `iam_admin_access` reports instead.
pub fn find(p: &Principal, ctx: &Context) -> Option<Vec<FoundPath>> {
    let perms = p.permissions.as_ref()?;
    let governing = perms.governing();
    let set = governing.set();
    if engine::full_access(&set, ctx.now).is_some_and(|g| !g.is_conditional()) {
        return Some(Vec::new());
    }
    let mut privileged: HashMap<String, Option<bool>> = HashMap::new();
    let mut found = Vec::new();
    'paths: for path in PATHS {
        let mut actions = Vec::new();
        let mut roles = Vec::new();
        // The other steps first: a PassRole is judged role by role only for a path it completes.
        let (passes, others): (Vec<&Need>, Vec<&Need>) = path.needs.iter().partition(|n| n.action == PASS_ROLE);
        for need in others.into_iter().chain(passes) {
            let fill = |pattern: &str| pattern.replace("{p}", ctx.partition).replace("{a}", &ctx.account_id);
            let resource = fill(need.resource);
            let filled: Vec<(&str, String)> = need.context.iter().map(|(k, v)| (*k, fill(v))).collect();
            let context: Vec<(&str, &str)> = filled.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let req = Request { action: need.action, resource: &resource, scope: need.scope, context: &context };
            let grant = if need.action == PASS_ROLE {
                let Some((grant, reached)) = pass_role(&set, &req, p, ctx, &mut privileged) else { continue 'paths };
                roles = reached;
                grant
            } else {
                let Some(grant) = engine::decide(&set, &req, ctx.now) else { continue 'paths };
                grant
            };
            actions.push(GrantedAction { action: need.action.to_string(), grant });
        }
        // Report the steps in the path's own order.
        actions.sort_by_key(|a| path.needs.iter().position(|n| n.action == a.action));
        let conditional = actions.iter().any(|a| a.grant.is_conditional());
        found.push(FoundPath { path: path.name.to_string(), actions, conditional, roles });
    }
    Some(found)
}

const PASS_ROLE: &str = "iam:PassRole";

/// Whether the principal may pass some roles but not every role (to any service): the case in
/// which the account's roles decide its escalation paths, so an event read lists them.
pub fn pass_role_is_limited(p: &Principal, ctx: &Context) -> bool {
    let Some(perms) = p.permissions.as_ref() else { return false };
    let governing = perms.governing();
    let set = governing.set();
    let every = format!("arn:{}:iam::{}:role/*", ctx.partition, ctx.account_id);
    let req = |scope| Request { action: PASS_ROLE, resource: &every, scope, context: &[] };
    engine::decide(&set, &req(Scope::Any), ctx.now).is_some() && engine::decide(&set, &req(Scope::All), ctx.now).is_none()
}

/// Whether the principal may pass the role `arn` to some service.
pub fn may_pass(p: &Principal, arn: &str, ctx: &Context) -> bool {
    let Some(perms) = p.permissions.as_ref() else { return false };
    let governing = perms.governing();
    let req = Request { action: PASS_ROLE, resource: arn, scope: Scope::Any, context: &[] };
    engine::decide(&governing.set(), &req, ctx.now).is_some()
}

/// Decides a path's `PassRole` step. A grant on every role completes it as it stands. A grant
/// limited to some roles is judged against the account's roles when they were listed: only roles
/// that exist, that the grant covers for this service, and whose trust policy lets the service
/// assume them complete the path. `None` when no role is reachable.
fn pass_role(
    set: &engine::PolicySet,
    req: &Request,
    p: &Principal,
    ctx: &Context,
    privileged: &mut HashMap<String, Option<bool>>,
) -> Option<(Grant, Vec<ReachedRole>)> {
    if let Some(every) = engine::decide(set, &Request { scope: Scope::All, ..*req }, ctx.now) {
        return Some((every, Vec::new()));
    }
    let grant = engine::decide(set, req, ctx.now)?;
    let Some(roles) = &p.roles else { return Some((grant, Vec::new())) };
    let service = req.context.iter().find(|(k, _)| *k == "iam:PassedToService").map(|(_, v)| *v);
    let mut reached = Vec::new();
    for role in roles.iter() {
        if engine::decide(set, &Request { resource: &role.arn, scope: Scope::Any, ..*req }, ctx.now).is_none() {
            continue;
        }
        let trust = role.role.as_ref().and_then(|r| r.trust.as_ref());
        if let (Some(service), Some(trust)) = (service, trust) {
            if !trust.trusts_service(service) {
                continue;
            }
        }
        let privileged = *privileged.entry(role.arn.clone()).or_insert_with(|| is_privileged(role, ctx));
        reached.push(ReachedRole { name: role.name.clone(), privileged });
    }
    // Privileged roles first: they are what makes the path matter.
    reached.sort_by(|a, b| ((a.privileged == Some(false)), &a.name).cmp(&((b.privileged == Some(false)), &b.name)));
    (!reached.is_empty()).then_some((grant, reached))
}

/// Whether a role is an administrator or completes an escalation path of its own; `None` when
/// its permissions were not read.
fn is_privileged(role: &Principal, ctx: &Context) -> Option<bool> {
    let perms = role.permissions.as_ref()?;
    let governing = perms.governing();
    if engine::full_access(&governing.set(), ctx.now).is_some() {
        return Some(true);
    }
    // The role's own roles are not listed, so its PassRole steps are taken as they stand.
    let bare = Principal { roles: None, ..role.clone() };
    find(&bare, ctx).map(|paths| !paths.is_empty())
}

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let found = find(p, ctx)?;
    if found.is_empty() {
        return Some(Outcome::Pass);
    }
    let names: Vec<String> = found.iter().map(FoundPath::label).collect();
    let detail = format!("escalation paths: {}", names.join(", "));
    let worst = found.iter().map(FoundPath::severity).max().unwrap_or(CHECK.severity);
    let severity = (worst != CHECK.severity).then_some(worst);
    Some(Outcome::fail_with(detail, severity, &Evidence { paths: found }))
}

/// The permissions to remove or constrain, path by path, with the policies that grant them.
fn advice(f: &crate::findings::Finding) -> String {
    let paths: Vec<String> = crate::check::evidence_of::<Evidence>(f)
        .map(|e| e.paths)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let actions: Vec<String> =
                p.actions.iter().map(|a| format!("{} (from {})", a.action, policies_of(&a.grant.sources))).collect();
            format!("{}: {}", p.path, actions.join(" + "))
        })
        .collect();
    format!("Remove, or constrain to harmless resources, the permissions of each path: {}.", paths.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::*;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::Permissions;

    const ADMIN: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

    fn paths(statements: &[&str]) -> Vec<&'static str> {
        let policies = statements.iter().enumerate().map(|(i, s)| inline(&format!("p{i}"), s)).collect();
        let u = with_policies(user("u"), policies);
        let found = find(&u, &ctx()).unwrap();
        found.iter().filter_map(|f| PATHS.iter().find(|p| p.name == f.path)).map(|p| p.name).collect()
    }

    #[test]
    fn catalogue_is_complete_and_named_uniquely() {
        let mut names: Vec<_> = PATHS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PATHS.len());
        assert!(PATHS.len() >= 34, "{}", PATHS.len());
    }

    #[test]
    fn every_path_action_is_a_write_of_the_iam_reference() {
        let reference = crate::policy::actions::catalogue();
        for path in PATHS {
            for need in path.needs {
                let action = reference.lookup(need.action).unwrap_or_else(|| panic!("{}: {} is not in the IAM reference", path.name, need.action));
                assert!(action.levels.changes(), "{}: {} only reads", path.name, need.action);
                assert_eq!(
                    action.scopable(),
                    need.scope != Scope::Unscoped,
                    "{}: {} is {}scopable in the reference; its need must say so",
                    path.name,
                    need.action,
                    if action.scopable() { "" } else { "not " }
                );
            }
        }
    }

    #[test]
    fn each_path_needs_every_one_of_its_actions() {
        for path in PATHS.iter().filter(|p| p.needs.len() > 1) {
            for missing in path.needs {
                let others: Vec<String> =
                    path.needs.iter().filter(|n| n.action != missing.action).map(|n| format!("\"{}\"", n.action)).collect();
                let stmt = format!(r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#, others.join(","));
                assert!(!paths(&[&stmt]).contains(&path.name), "{} found without {}", path.name, missing.action);
            }
        }
    }

    #[test]
    fn new_paths_fail_when_their_grant_does_not_hold() {
        let expired = r#""Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#;
        for (path, actions) in [
            ("ECSExecuteCommand", r#"["ecs:ExecuteCommand"]"#),
            ("EC2ModifyInstanceAttribute+StopInstances+StartInstances", r#"["ec2:ModifyInstanceAttribute","ec2:StopInstances","ec2:StartInstances"]"#),
            (
                "EC2CreateLaunchTemplateVersion+ModifyLaunchTemplate+AutoScalingStartInstanceRefresh",
                r#"["ec2:CreateLaunchTemplateVersion","ec2:ModifyLaunchTemplate","autoscaling:StartInstanceRefresh"]"#,
            ),
        ] {
            let live = format!(r#"{{"Effect":"Allow","Action":{actions},"Resource":"*"}}"#);
            assert!(paths(&[&live]).contains(&path), "{path}");
            let lapsed = format!(r#"{{"Effect":"Allow","Action":{actions},"Resource":"*",{expired}}}"#);
            assert!(!paths(&[&lapsed]).contains(&path), "{path} with an expired grant");
        }
    }

    #[test]
    fn each_path_is_found_when_its_actions_are_allowed() {
        for path in PATHS {
            let actions: Vec<String> = path.needs.iter().map(|n| format!("\"{}\"", n.action)).collect();
            let stmt = format!(r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#, actions.join(","));
            assert!(paths(&[&stmt]).contains(&path.name), "{} not found", path.name);
        }
    }

    #[test]
    fn pass_role_limited_to_other_resources_does_not_complete_the_path() {
        let compute = r#"{"Effect":"Allow","Action":["ec2:RunInstances","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}"#;
        let pass = |op: &str, arn: &str| {
            format!(r#"{{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{{"{op}":{{"iam:AssociatedResourceArn":"{arn}"}}}}}}"#)
        };
        let lambda_only = pass("ArnLike", "arn:aws:lambda:*:123456789012:function:*");
        assert_eq!(paths(&[&lambda_only, compute]), vec!["PassRole+LambdaCreateFunction+InvokeFunction"], "EC2 instances are not Lambda functions");
        let u = with_policies(user("u"), vec![inline("a", &lambda_only), inline("b", compute)]);
        assert!(!find(&u, &ctx()).unwrap()[0].conditional, "every function meets it");
        let one_region = pass("ArnLike", "arn:aws:ec2:eu-west-1:123456789012:instance/*");
        let u = with_policies(user("u"), vec![inline("a", &one_region), inline("b", compute)]);
        let found = find(&u, &ctx()).unwrap();
        assert_eq!(found.iter().map(|f| (f.path.as_str(), f.conditional)).collect::<Vec<_>>(), vec![("PassRole+EC2RunInstances", true)], "some instances meet it");
        let not_ec2 = pass("ArnNotLike", "arn:aws:ec2:*:*:instance/*");
        assert!(!paths(&[&not_ec2, compute]).contains(&"PassRole+EC2RunInstances"));
    }

    #[test]
    fn an_unscoped_step_granted_only_on_an_arn_does_not_complete_the_path() {
        let on_arn = r#"{"Effect":"Allow","Action":["iam:PassRole","glue:CreateDevEndpoint"],"Resource":["arn:aws:iam::123456789012:role/*","arn:aws:glue:*:123456789012:devEndpoint/*"]}"#;
        assert!(!paths(&[on_arn]).contains(&"PassRole+GlueCreateDevEndpoint"), "CreateDevEndpoint is only ever granted on *");
        let on_star = r#"{"Effect":"Allow","Action":["iam:PassRole","glue:CreateDevEndpoint"],"Resource":"*"}"#;
        assert!(paths(&[on_star]).contains(&"PassRole+GlueCreateDevEndpoint"));
    }

    #[test]
    fn pass_role_limited_to_one_service_completes_only_that_services_paths() {
        let ecs_only = r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}"#;
        let compute = r#"{"Effect":"Allow","Action":["cloudformation:CreateStack","ec2:RunInstances"],"Resource":"*"}"#;
        let found = paths(&[ecs_only, compute]);
        assert!(!found.iter().any(|p| p.starts_with("PassRole+")), "PassRole to ECS tasks cannot reach CloudFormation or EC2: {found:?}");
        let ec2_only = r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}"#;
        let found = paths(&[ec2_only, compute]);
        assert_eq!(found, vec!["PassRole+EC2RunInstances"]);
        let u = with_policies(user("u"), vec![inline("a", ec2_only), inline("b", compute)]);
        let path = find(&u, &ctx()).unwrap().into_iter().next().unwrap();
        assert!(!path.conditional, "the condition holds for the service this path passes to");
    }

    const EC2_TRUST: &str = r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#;
    const PASS_APP_ROLES: &str = r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app-*"}"#;
    const RUN: &str = r#"{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#;

    fn passer(pass: &str, roles: Vec<Principal>) -> Principal {
        let mut u = with_policies(user("u"), vec![inline("pass", pass), inline("run", RUN)]);
        u.roles = Some(roles.into());
        u
    }

    fn role_with(name: &str, trust: &str, policy: &str) -> Principal {
        with_policies_kept_trust(role(name, trust), policy)
    }

    fn with_policies_kept_trust(mut r: Principal, policy: &str) -> Principal {
        r.permissions = Some(Permissions { inline: vec![inline("own", policy)], ..Default::default() });
        r
    }

    fn outcome(p: &Principal) -> (String, Option<Severity>) {
        match eval(p, &ctx()) {
            Some(Outcome::Fail(f)) => (f.detail, f.severity),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pass_role_to_named_roles_that_do_not_exist_completes_nothing() {
        let u = passer(PASS_APP_ROLES, vec![role_with("web", EC2_TRUST, ADMIN)]);
        assert_eq!(eval(&u, &ctx()), Some(Outcome::Pass), "no app-* role exists");
    }

    #[test]
    fn pass_role_reaches_only_roles_that_trust_the_service() {
        let lambda_trust = r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#;
        let u = passer(PASS_APP_ROLES, vec![role_with("app-fn", lambda_trust, ADMIN)]);
        assert_eq!(eval(&u, &ctx()), Some(Outcome::Pass), "EC2 cannot assume a role only Lambda trusts");
    }

    #[test]
    fn pass_role_to_unprivileged_roles_is_one_step_lower_and_names_them() {
        let reader = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
        let u = passer(PASS_APP_ROLES, vec![role_with("app-web", EC2_TRUST, reader), role_with("other", EC2_TRUST, ADMIN)]);
        let (detail, severity) = outcome(&u);
        assert_eq!(detail, "escalation paths: PassRole+EC2RunInstances (through role app-web)");
        assert_eq!(severity, Some(Severity::High));
    }

    #[test]
    fn pass_role_to_a_privileged_role_stays_critical() {
        let escalates = r#"{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"}"#;
        for policy in [ADMIN, escalates] {
            let u = passer(PASS_APP_ROLES, vec![role_with("app-web", EC2_TRUST, "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"), role_with("app-ops", EC2_TRUST, policy)]);
            let (detail, severity) = outcome(&u);
            assert_eq!(detail, "escalation paths: PassRole+EC2RunInstances (through roles app-ops (privileged), app-web)");
            assert_eq!(severity, None, "the check's own CRITICAL");
        }
    }

    #[test]
    fn pass_role_is_judged_as_it_stands_when_roles_were_not_listed_or_on_every_role() {
        let mut unlisted = passer(PASS_APP_ROLES, Vec::new());
        unlisted.roles = None;
        assert_eq!(outcome(&unlisted), ("escalation paths: PassRole+EC2RunInstances".to_string(), None));
        let every = passer(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}"#, Vec::new());
        assert_eq!(outcome(&every), ("escalation paths: PassRole+EC2RunInstances".to_string(), None), "every role, those created later too");
    }

    #[test]
    fn a_role_whose_permissions_were_not_read_counts_as_privileged() {
        let mut unread = role("app-web", EC2_TRUST);
        unread.permissions = None;
        let (detail, severity) = outcome(&passer(PASS_APP_ROLES, vec![unread]));
        assert!(detail.contains("app-web (privileged)"), "{detail}");
        assert_eq!(severity, None);
    }

    #[test]
    fn path_split_over_two_policies() {
        let found = paths(&[
            r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app-*"}"#,
            r#"{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#,
        ]);
        assert_eq!(found, vec!["PassRole+EC2RunInstances"]);
        assert!(paths(&[r#"{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#]).is_empty(), "half a path");
    }

    #[test]
    fn deny_in_the_same_policy_blocks_the_path() {
        assert!(paths(&[r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"},{"Effect":"Deny","Action":"iam:CreatePolicyVersion","Resource":"*"}"#]).is_empty());
    }

    #[test]
    fn deny_in_another_policy_blocks_the_path() {
        assert!(paths(&[
            r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#,
            r#"{"Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"*"}"#,
        ])
        .is_empty());
    }

    #[test]
    fn not_action_grants_the_path() {
        let found = paths(&[r#"{"Effect":"Allow","NotAction":["s3:*","ec2:*"],"Resource":"*"}"#]);
        assert!(found.contains(&"CreatePolicyVersion") && found.contains(&"CreateAccessKey"), "{found:?}");
        assert!(!found.contains(&"PassRole+EC2RunInstances"));
    }

    #[test]
    fn unexploitable_resource_constraint() {
        assert!(paths(&[r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::aws:policy/*"}"#]).is_empty());
        assert!(paths(&[r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/readonly"}"#]).is_empty());
    }

    #[test]
    fn exploitable_resource_constraint() {
        let found = paths(&[r#"{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::123456789012:policy/team/*"}"#]);
        assert_eq!(found, vec!["CreatePolicyVersion"]);
    }

    #[test]
    fn condition_never_true_blocks_and_always_true_grants() {
        assert!(paths(&[r#"{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}"#]).is_empty());
        assert_eq!(
            paths(&[r#"{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}"#]),
            vec!["CreateAccessKey"]
        );
    }

    #[test]
    fn conditional_path_is_one_step_lower_and_names_the_condition() {
        let u = with_policies(
            user("u"),
            vec![inline("p", r#"{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}"#)],
        );
        let Some(Outcome::Fail(f)) = eval(&u, &ctx()) else { panic!() };
        assert_eq!(f.severity, Some(Severity::High));
        assert_eq!(f.detail, "escalation paths: CreateAccessKey (only when StringEquals aws:RequestedRegion = eu-west-1)");
    }

    #[test]
    fn administrators_are_left_to_admin_access() {
        let u = with_policies(user("u"), vec![inline("a", r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#)]);
        assert_eq!(eval(&u, &ctx()), Some(Outcome::Pass));
    }
}
