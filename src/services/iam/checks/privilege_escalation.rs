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
    compliance: &["CIS 1.16"],
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

/// `iam:PassRole` of any role, to the named service: a PassRole whose `iam:PassedToService`
/// condition excludes that service does not complete the path.
macro_rules! pass_role_to {
    ($service:literal) => {
        Need { action: "iam:PassRole", resource: ROLE, scope: Scope::Any, context: &[("iam:PassedToService", $service)] }
    };
}

const POLICY: &str = "arn:{p}:iam::{a}:policy/*";
const USER: &str = "arn:{p}:iam::{a}:user/*";
const GROUP: &str = "arn:{p}:iam::{a}:group/*";
const ROLE: &str = "arn:{p}:iam::{a}:role/*";
const INSTANCE: &str = "arn:{p}:ec2:*:{a}:instance/*";
const FUNCTION: &str = "arn:{p}:lambda:*:{a}:function:*";
const LAUNCH_TEMPLATE: &str = "arn:{p}:ec2:*:{a}:launch-template/*";
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
    Path { name: "PassRole+EC2RunInstances", needs: &[pass_role_to!("ec2.amazonaws.com"), any("ec2:RunInstances", INSTANCE)] },
    Path {
        name: "PassRole+LambdaCreateFunction+InvokeFunction",
        needs: &[pass_role_to!("lambda.amazonaws.com"), any("lambda:CreateFunction", FUNCTION), any("lambda:InvokeFunction", FUNCTION)],
    },
    Path {
        name: "PassRole+LambdaCreateFunction+CreateEventSourceMapping",
        needs: &[pass_role_to!("lambda.amazonaws.com"), any("lambda:CreateFunction", FUNCTION), any("lambda:CreateEventSourceMapping", "*")],
    },
    Path {
        name: "PassRole+GlueCreateDevEndpoint",
        needs: &[pass_role_to!("glue.amazonaws.com"), any("glue:CreateDevEndpoint", "arn:{p}:glue:*:{a}:devEndpoint/*")],
    },
    Path {
        name: "PassRole+CloudFormationCreateStack",
        needs: &[pass_role_to!("cloudformation.amazonaws.com"), any("cloudformation:CreateStack", "arn:{p}:cloudformation:*:{a}:stack/*")],
    },
    Path {
        name: "PassRole+DataPipeline",
        needs: &[
            pass_role_to!("datapipeline.amazonaws.com"),
            any("datapipeline:CreatePipeline", "*"),
            any("datapipeline:PutPipelineDefinition", "*"),
            any("datapipeline:ActivatePipeline", "*"),
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

/// A path the principal completes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoundPath {
    pub path: String,
    pub actions: Vec<GrantedAction>,
    pub conditional: bool,
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
    let mut found = Vec::new();
    'paths: for path in PATHS {
        let mut actions = Vec::new();
        for need in path.needs {
            let resource = need.resource.replace("{p}", ctx.partition).replace("{a}", &ctx.account_id);
            let req = Request { action: need.action, resource: &resource, scope: need.scope, context: need.context };
            let Some(grant) = engine::decide(&set, &req, ctx.now) else { continue 'paths };
            actions.push(GrantedAction { action: need.action.to_string(), grant });
        }
        let conditional = actions.iter().any(|a| a.grant.is_conditional());
        found.push(FoundPath { path: path.name.to_string(), actions, conditional });
    }
    Some(found)
}

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let found = find(p, ctx)?;
    if found.is_empty() {
        return Some(Outcome::Pass);
    }
    let all_conditional = found.iter().all(|f| f.conditional);
    let names: Vec<String> = found
        .iter()
        .map(|f| {
            if f.conditional {
                let gates: Vec<&str> =
                    f.actions.iter().flat_map(|a| a.grant.gates.iter().map(String::as_str)).collect();
                format!("{} (only when {})", f.path, gates.join(" and "))
            } else {
                f.path.to_string()
            }
        })
        .collect();
    let detail = format!("escalation paths: {}", names.join(", "));
    let severity = all_conditional.then(|| one_step_lower(CHECK.severity));
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
