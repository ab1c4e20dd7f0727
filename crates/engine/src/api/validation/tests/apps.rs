//! Deployments, ReplicaSets and the stored workload kinds.

use super::*;

fn deploy(spec: &str) -> Vec<String> {
    create(
        "Deployment",
        &format!("metadata: {{name: web}}\nspec:\n{spec}"),
    )
}

const TEMPLATE: &str = "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n";

#[test]
fn selector_rules() {
    let e = deploy(TEMPLATE);
    assert_eq!(
        e,
        vec![
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`",
        ]
    );
    let e = deploy(&format!(
        "  selector: {{matchLabels: {{app: api}}}}\n{TEMPLATE}"
    ));
    assert_eq!(
        e,
        vec![
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"
        ]
    );
    let e = deploy(&format!("  selector: {{}}\n{TEMPLATE}"));
    assert_eq!(
        e,
        vec![
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
        ]
    );
    let e = deploy(&format!(
        "  selector: {{matchExpressions: [{{key: app, operator: Is, values: [web]}}]}}\n{TEMPLATE}"
    ));
    assert_eq!(
        e,
        vec![
            "spec.selector.matchExpressions[0].operator: Invalid value: \"Is\": not a valid selector operator",
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"app\", Operator:\"Is\", Values:[]string{\"web\"}}}}: invalid label selector",
        ]
    );
    // Set-based selectors match too.
    assert!(deploy(&format!("  selector: {{matchExpressions: [{{key: app, operator: In, values: [web, api]}}]}}\n{TEMPLATE}")).is_empty());
    // ReplicaSets share the message, "deployment" included.
    let e = create(
        "ReplicaSet",
        &format!("metadata: {{name: rs}}\nspec:\n  selector: {{matchLabels: {{}}}}\n{TEMPLATE}"),
    );
    assert_eq!(
        e,
        vec![
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
        ]
    );
}

#[test]
fn template_rules() {
    let e = deploy(
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {restartPolicy: OnFailure, activeDeadlineSeconds: 5, containers: [{name: web, image: nginx}]}\n",
    );
    assert_eq!(
        e,
        vec![
            "spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"",
            "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
        ]
    );
    let e = deploy(
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web, 'bad key!': x}}\n    spec: {containers: []}\n",
    );
    assert_eq!(
        e,
        vec![
            "spec.template.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "spec.template.spec.containers: Required value",
        ]
    );
}

#[test]
fn strategy_and_counts() {
    let sel = format!("  selector: {{matchLabels: {{app: web}}}}\n{TEMPLATE}");
    let e = deploy(&format!(
        "{sel}  replicas: -1\n  minReadySeconds: 700\n  revisionHistoryLimit: -2\n"
    ));
    assert_eq!(
        e,
        vec![
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
            "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
        ]
    );
    let e = deploy(&format!(
        "{sel}  strategy: {{type: Recreate, rollingUpdate: {{maxSurge: 1}}}}\n"
    ));
    assert_eq!(
        e,
        vec![
            "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"
        ]
    );
    let e = deploy(&format!(
        "{sel}  strategy: {{rollingUpdate: {{maxSurge: 0, maxUnavailable: 0%}}}}\n"
    ));
    assert_eq!(
        e,
        vec![
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0"
        ]
    );
    let e = deploy(&format!(
        "{sel}  strategy: {{rollingUpdate: {{maxSurge: '1', maxUnavailable: 120%}}}}\n"
    ));
    assert_eq!(
        e,
        vec![
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: 1: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 120%: must not be greater than 100%",
        ]
    );
    let e = deploy(&format!(
        "{sel}  strategy: {{rollingUpdate: {{maxSurge: -1}}}}\n"
    ));
    assert_eq!(
        e,
        vec![
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"
        ]
    );
    let e = deploy(&format!("{sel}  strategy: {{type: BlueGreen}}\n"));
    assert_eq!(
        e,
        vec![
            "spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:\"BlueGreen\", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: \"Recreate\", \"RollingUpdate\""
        ]
    );
}

#[test]
fn selector_is_immutable() {
    let changed = DEPLOYMENT.replace("{app: web}", "{app: web, tier: fe}");
    let e = update("Deployment", DEPLOYMENT, &changed);
    assert_eq!(
        e,
        vec![
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"tier\":\"fe\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        ]
    );
    // Template and replicas changes are fine.
    assert!(
        update(
            "Deployment",
            DEPLOYMENT,
            &DEPLOYMENT.replace("nginx:1.27", "nginx:1.28")
        )
        .is_empty()
    );
    // The classic combination kubectl shows as a list.
    let both = DEPLOYMENT.replace("{app: web}", "{app: api}");
    let old = prepared("Deployment", DEPLOYMENT);
    let new = prepared("Deployment", &both);
    let errs = validate(by_kind("Deployment").unwrap(), &new, Some(&old));
    assert_eq!(
        StatusError::invalid("Deployment.apps", "web", errs).kubectl_message(None),
        "The Deployment \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"api\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
    );
}

#[test]
fn kubectl_lists_several_errors() {
    assert_eq!(
        kubectl(
            "Deployment",
            "Deployment.apps",
            &format!("metadata: {{name: web}}\nspec:\n{TEMPLATE}")
        ),
        "The Deployment \"web\" is invalid: \n* spec.selector: Required value\n* spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"
    );
}

#[test]
fn stored_workloads() {
    let e = create(
        "Job",
        "metadata: {name: j}\nspec: {template: {spec: {containers: [{name: a, image: x}]}}}",
    );
    assert_eq!(
        e,
        vec![
            "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
        ]
    );
    let e = create(
        "DaemonSet",
        "metadata: {name: d}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: c}}, spec: {containers: [{name: a, image: x}]}}, updateStrategy: {rollingUpdate: {maxUnavailable: 0}}}",
    );
    assert_eq!(
        e,
        vec![
            "spec.template.metadata.labels: Invalid value: map[string]string{\"a\":\"c\"}: `selector` does not match template `labels`",
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
        ]
    );
    let e = create(
        "StatefulSet",
        "metadata: {name: web.1}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: a, image: x}]}}}",
    );
    assert_eq!(
        e,
        vec!["metadata.name: Invalid value: \"web.1\": must not contain dots"]
    );
    let long = "c".repeat(53);
    let e = create(
        "CronJob",
        &format!(
            "metadata: {{name: {long}}}\nspec: {{schedule: '* * * * *', jobTemplate: {{spec: {{template: {{spec: {{restartPolicy: Never, containers: [{{name: a, image: x}}]}}}}}}}}}}"
        ),
    );
    assert_eq!(
        e,
        vec![format!(
            "metadata.name: Invalid value: \"{long}\": must be no more than 52 characters"
        )]
    );
    // `validateScheduleFormat` and `validateTimeZone`.
    let cron = |schedule: &str, zone: &str| {
        create(
            "CronJob",
            &format!(
                "metadata: {{name: c}}\nspec: {{schedule: '{schedule}', {zone} jobTemplate: {{spec: {{template: {{spec: {{restartPolicy: Never, containers: [{{name: a, image: x}}]}}}}}}}}}}"
            ),
        )
    };
    // A step past the range is valid: it fires at minute 0 only.
    assert!(cron("*/61 * * * *", "").is_empty());
    assert_eq!(
        cron("61 * * * *", ""),
        vec![
            "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"
        ]
    );
    assert_eq!(
        cron("TZ=UTC 0 * * * *", "timeZone: UTC,"),
        vec![
            "spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
        ]
    );
    assert_eq!(
        cron("@daily", "timeZone: '',"),
        vec!["spec.timeZone: Invalid value: \"\": timeZone must be nil or non-empty string"]
    );
    assert_eq!(
        cron("@daily", "timeZone: ../etc,"),
        vec!["spec.timeZone: Invalid value: \"../etc\": unknown time zone ../etc"]
    );
    assert_eq!(
        cron("@daily", "timeZone: local,"),
        vec![
            "spec.timeZone: Invalid value: \"local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
        ]
    );
    assert!(cron("@daily", "timeZone: Europe/Paris,").is_empty());
    // `validateJobSpec`'s Indexed checks.
    let e = create(
        "Job",
        "metadata: {name: j}\nspec: {completionMode: Indexed, completions: null, parallelism: 100001, template: {spec: {restartPolicy: Never, containers: [{name: a, image: x}]}}}",
    );
    assert_eq!(
        e,
        vec![
            "spec.completions: Required value: when completion mode is Indexed",
            "spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed",
        ]
    );
}

#[test]
fn job_index_policies_need_an_indexed_job() {
    let job = |spec: &str| {
        create(
            "Job",
            &format!(
                "metadata: {{name: j}}\nspec:\n{spec}\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: c, image: busybox}}]\n"
            ),
        )
    };
    assert_eq!(
        job("  backoffLimitPerIndex: 1\n  maxFailedIndexes: 2"),
        [
            "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode",
            "spec.maxFailedIndexes: Invalid value: 2: requires indexed completion mode",
        ]
    );
    assert_eq!(
        job(
            "  completionMode: Indexed\n  completions: 3\n  maxFailedIndexes: 4\n  podFailurePolicy:\n    rules:\n    - action: FailIndex\n      onExitCodes: {operator: In, values: [42]}"
        ),
        [
            "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
            "spec.maxFailedIndexes: Invalid value: 4: must be less than or equal to completions",
            "spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set",
        ]
    );
    assert_eq!(
        job(
            "  completionMode: Indexed\n  completions: 3\n  successPolicy:\n    rules:\n    - succeededIndexes: '2-1'\n    - succeededIndexes: '0-1'\n      succeededCount: 3\n    - {}"
        ),
        [
            "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"2-1\": error parsing succeededIndexes: non-increasing order, previous: 2, current: 1",
            "spec.successPolicy.rules[1].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)",
            "spec.successPolicy.rules[2]: Required value: at least one of succeededCount or succeededIndexes must be specified",
        ]
    );
}
