use std::path::{Path, PathBuf};

use super::*;
use crate::api::registry::{by_kind, lookup_kind};
use crate::quantity::QUANTITY_ERROR;
use crate::value::Value;
use crate::yaml::{Node, NodeValue, load_str, to_yaml};

fn node(yaml: &str) -> Node {
    load_str(yaml).expect("test YAML loads").remove(0).root
}

fn kind_of(root: &Node) -> ResourceId {
    let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap();
    let kind = root.get("kind").and_then(Node::as_str).unwrap();
    lookup_kind(api_version, kind).unwrap().0
}

/// Decodes a manifest that must decode.
fn ok(yaml: &str) -> Value {
    let root = node(yaml);
    decode(&root, kind_of(&root)).unwrap_or_else(|e| panic!("{}", status_message(&e)))
}

/// The errors the server reports for a manifest that must fail.
fn errors(yaml: &str) -> Vec<DecodeError> {
    let root = node(yaml);
    match decode(&root, kind_of(&root)) {
        Ok(v) => panic!("decoded: {v:?}"),
        Err(e) => e,
    }
}

/// The server's message for a manifest that must fail.
fn message(yaml: &str) -> String {
    status_message(&errors(yaml))
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
";

/// DEPLOYMENT with `from` replaced by `to` (which must occur once).
fn deployment_with(from: &str, to: &str) -> String {
    assert_eq!(DEPLOYMENT.matches(from).count(), 1, "{from}");
    DEPLOYMENT.replace(from, to)
}

#[test]
fn schema_parses_and_covers_every_kind() {
    let s = schema();
    assert!(s.types.len() > 300);
    for r in crate::api::registry::RESOURCES {
        let root = s.get(s.root(r.id()));
        assert_eq!(root.definition(), r.schema);
        for f in ["apiVersion", "kind", "metadata"] {
            let field = root
                .field(f)
                .unwrap_or_else(|| panic!("{} has no {f}", r.kind));
            assert_eq!(
                field.embedded,
                (f != "metadata").then_some("TypeMeta"),
                "{}",
                r.kind
            );
        }
    }
    let spec = s.get(s.root(by_kind("Deployment").unwrap()));
    assert_eq!(spec.go_name(), "v1.Deployment");
    let (owner, field) = s
        .lookup(
            by_kind("Deployment").unwrap(),
            "spec.template.spec.containers[0].resources.limits",
        )
        .unwrap();
    assert_eq!(s.get(owner).name, "ResourceRequirements");
    assert_eq!(field.go_type, Some("v1.ResourceList"));
    assert_eq!(field.ty.go_type(s), "map[string]resource.Quantity");
    let (_, field) = s
        .lookup(by_kind("Deployment").unwrap(), "spec.selector")
        .unwrap();
    assert!(field.required);
    assert!(
        s.lookup(by_kind("Deployment").unwrap(), "spec.replica")
            .is_none()
    );
}

#[test]
fn valid_manifest_is_kept_whole() {
    let v = ok(DEPLOYMENT);
    assert_eq!(v.at(&["spec", "replicas"]), &Value::Int(3));
    assert_eq!(
        v.at(&["spec", "template", "spec", "containers"])
            .items()
            .next()
            .unwrap()
            .get("image"),
        &Value::str("nginx:1.27")
    );
    assert_eq!(v.str_at(&["kind"]), Some("Deployment"));
    // Decoding what was stored gives the same object.
    let again = ok(&to_yaml(&v));
    assert_eq!(again, v);
}

#[test]
fn unknown_fields_name_the_full_path() {
    let yaml = deployment_with("image: nginx", "imagee: nginx");
    let errs = errors(&yaml);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].kind, DecodeErrorKind::UnknownField);
    assert_eq!(
        errs[0].message,
        r#"unknown field "spec.template.spec.containers[0].imagee""#
    );
    assert_eq!(errs[0].path, "spec.template.spec.containers[0].imagee");
    assert_eq!((errs[0].mark.line, errs[0].mark.column), (19, 9));
    assert_eq!(
        status_message(&errs),
        r#"strict decoding error: unknown field "spec.template.spec.containers[0].imagee""#
    );
}

#[test]
fn all_unknown_fields_are_collected_in_sorted_key_order() {
    let yaml = deployment_with("replicas: 3", "replica: 3")
        .replace(
            "  labels:\n    app: web\nspec",
            "  lables:\n    app: web\nspec",
        )
        .replace(
            "containerPort: 80",
            "containerPort: 80\n          hostport: 8080",
        );
    assert_eq!(
        message(&yaml),
        "strict decoding error: unknown field \"metadata.lables\", unknown field \
         \"spec.replica\", unknown field \"spec.template.spec.containers[0].ports[0].hostport\""
    );
    // Case matters, as in Go's case-sensitive decoding.
    assert_eq!(
        message(&deployment_with("replicas: 3", "Replicas: 3")),
        r#"strict decoding error: unknown field "spec.Replicas""#
    );
    // Unknown fields inside a map of objects name the key.
    assert_eq!(
        message(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations:\n    a: b\n  \
             foo: {bar: 1}\n"
        ),
        r#"strict decoding error: unknown field "metadata.foo""#
    );
}

#[test]
fn wrong_types_read_like_go() {
    let cases = [
        (
            deployment_with("replicas: 3", "replicas: \"3\""),
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            deployment_with("replicas: 3", "replicas: 3.5"),
            "json: cannot unmarshal number 3.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            deployment_with("replicas: 3", "replicas: 3000000000"),
            "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            deployment_with("replicas: 3", "replicas: true"),
            "json: cannot unmarshal bool into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            deployment_with("        ports:", "        env:\n        - name: DEBUG\n          value: yes\n        ports:"),
            "json: cannot unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
        ),
        (
            deployment_with("        ports:", "        args: [--port, 8080]\n        ports:"),
            "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.args of type string",
        ),
        (
            deployment_with("    app: web\nspec", "    app: 1\nspec"),
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            deployment_with("        - containerPort: 80", "        - containerPort: \"80\""),
            "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32",
        ),
        (
            deployment_with("        ports:\n        - containerPort: 80", "        ports: 80"),
            "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.ports of type []v1.ContainerPort",
        ),
        (
            deployment_with("  selector:\n    matchLabels:\n      app: web\n", "  selector: app=web\n"),
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: []\n".to_string(),
            "json: cannot unmarshal array into Go struct field Deployment.spec of type v1.DeploymentSpec",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: {name: a}\n".to_string(),
            "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x, labels: [a]}\n".to_string(),
            "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: a\n    resources:\n      limits: [1]\n".to_string(),
            "json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList",
        ),
        (
            // A field promoted from an embedded struct names it, as Go does.
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: a\n    livenessProbe:\n      httpGet: 8080\n".to_string(),
            "json: cannot unmarshal number into Go struct field Probe.spec.containers.livenessProbe.ProbeHandler.httpGet of type v1.HTTPGetAction",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  volumes:\n  - name: v\n    emptyDir:\n      medium: 1\n".to_string(),
            "json: cannot unmarshal number into Go struct field EmptyDirVolumeSource.spec.volumes.VolumeSource.emptyDir.medium of type v1.StorageMedium",
        ),
        (
            // Named Go types print by name.
            deployment_with("        ports:", "        imagePullPolicy: 1\n        ports:"),
            "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.imagePullPolicy of type v1.PullPolicy",
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ipFamilies: IPv4\n".to_string(),
            "json: cannot unmarshal string into Go struct field ServiceSpec.spec.ipFamilies of type []v1.IPFamily",
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ipFamilies: [4]\n".to_string(),
            "json: cannot unmarshal number into Go struct field ServiceSpec.spec.ipFamilies of type v1.IPFamily",
        ),
        (
            deployment_with("        ports:", "        envFrom:\n        - secretRef: {name: 7}\n        ports:"),
            "json: cannot unmarshal number into Go struct field SecretEnvSource.spec.template.spec.containers.envFrom.secretRef.LocalObjectReference.name of type string",
        ),
        (
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec:\n  matchConstraints:\n    resourceRules:\n    - apiGroups: apps\n".to_string(),
            "json: cannot unmarshal string into Go struct field NamedRuleWithOperations.spec.matchConstraints.resourceRules.RuleWithOperations.Rule.apiGroups of type []string",
        ),
        (
            "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata:\n  password: 12345\n".to_string(),
            "json: cannot unmarshal number into Go struct field Secret.data of type []uint8",
        ),
    ];
    for (yaml, want) in cases {
        let errs = errors(&yaml);
        assert_eq!(errs.len(), 1, "{yaml}");
        assert_eq!(errs[0].kind, DecodeErrorKind::Type, "{yaml}");
        assert_eq!(errs[0].message, want, "{yaml}");
        assert_eq!(status_message(&errs), want);
    }
}

#[test]
fn type_meta_fields_name_the_embedded_struct() {
    let root = node("apiVersion: 1\nkind: Service\nmetadata: {name: x}\n");
    let errs = decode(&root, by_kind("Service").unwrap()).unwrap_err();
    assert_eq!(
        errs[0].message,
        "json: cannot unmarshal number into Go struct field Service.TypeMeta.apiVersion of type string"
    );
}

#[test]
fn a_type_error_marks_the_value_and_hides_unknown_fields() {
    let yaml = deployment_with("replicas: 3", "replicas: \"3\"\n  replica: 3");
    let errs = errors(&yaml);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "spec.replicas");
    assert_eq!((errs[0].mark.line, errs[0].mark.column), (8, 13));
    // Every problem is still there for an editor.
    let root = node(&yaml);
    let all = diagnose(&root, kind_of(&root));
    let kinds: Vec<_> = all.iter().map(|e| (e.kind, e.path.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (DecodeErrorKind::UnknownField, "spec.replica"),
            (DecodeErrorKind::Type, "spec.replicas")
        ]
    );
}

#[test]
fn integers_written_as_floats_are_integers() {
    let v = ok(&deployment_with("replicas: 3", "replicas: 3.0"));
    assert_eq!(v.at(&["spec", "replicas"]), &Value::Int(3));
    let v = ok(&deployment_with("replicas: 3", "replicas: 0x10"));
    assert_eq!(v.at(&["spec", "replicas"]), &Value::Int(16));
}

#[test]
fn quantities_are_stored_in_canonical_form() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: a\n    resources:\n      limits: {cpu: 0.5, memory: 1.5Gi}\n      requests: {cpu: \"250m\", memory: 64Mi, nvidia.com/gpu: 1}\n";
    let v = ok(pod);
    let resources = v
        .at(&["spec", "containers"])
        .items()
        .next()
        .unwrap()
        .get("resources");
    assert_eq!(resources.at(&["limits", "cpu"]), &Value::str("500m"));
    assert_eq!(resources.at(&["limits", "memory"]), &Value::str("1536Mi"));
    assert_eq!(resources.at(&["requests", "cpu"]), &Value::str("250m"));
    assert_eq!(
        resources.at(&["requests", "nvidia.com/gpu"]),
        &Value::str("1")
    );
    let bad = pod.replace("cpu: 0.5", "cpu: half");
    let errs = errors(&bad);
    assert_eq!(errs[0].kind, DecodeErrorKind::Value);
    assert_eq!(errs[0].message, QUANTITY_ERROR);
    assert_eq!(errs[0].path, "spec.containers[0].resources.limits.cpu");
    // A value's own decoder stops decoding: an earlier type error is not reported.
    let both = bad.replace("metadata: {name: x}", "metadata: {name: x, labels: {a: 1}}");
    assert_eq!(errors(&both)[0].message, QUANTITY_ERROR);
    // A map value of null is the zero quantity.
    let v = ok(&pod.replace("cpu: 0.5", "cpu: null"));
    let c = v
        .at(&["spec", "containers"])
        .items()
        .next()
        .unwrap()
        .clone();
    assert_eq!(c.at(&["resources", "limits", "cpu"]), &Value::str("0"));
}

#[test]
fn secret_data_must_be_base64() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\ndata:\n  user: YWRtaW4=\n  password: my-password\nstringData:\n  token: plain\n";
    let errs = errors(secret);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].kind, DecodeErrorKind::Value);
    assert_eq!(errs[0].message, "illegal base64 data at input byte 2");
    assert_eq!(errs[0].path, "data.password");
    assert_eq!(status_message(&errs), "illegal base64 data at input byte 2");
    let v = ok(&secret.replace("my-password", "bXktcGFzc3dvcmQ="));
    assert_eq!(v.at(&["data", "user"]), &Value::str("YWRtaW4="));
    assert_eq!(v.at(&["stringData", "token"]), &Value::str("plain"));
    // Go skips newlines; the stored form is re-encoded without them.
    let v = ok(&secret.replace(
        "password: my-password",
        "password: |\n    bXkt\n    cGFzc3dvcmQ=",
    ));
    assert_eq!(v.at(&["data", "password"]), &Value::str("bXktcGFzc3dvcmQ="));
    // Go also accepts an array of byte values.
    let v = ok(&secret.replace("my-password", "[104, 105]"));
    assert_eq!(v.at(&["data", "password"]), &Value::str("aGk="));
    assert_eq!(
        message(&secret.replace("my-password", "[104, 300]")),
        "json: cannot unmarshal number 300 into Go struct field Secret.data of type uint8"
    );
}

#[test]
fn times_are_parsed_and_stored_in_utc() {
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns1\n  creationTimestamp: \"2024-03-01T10:00:00+02:00\"\n";
    let v = ok(ns);
    assert_eq!(
        v.at(&["metadata", "creationTimestamp"]),
        &Value::str("2024-03-01T08:00:00Z")
    );
    assert_eq!(
        message(&ns.replace("\"2024-03-01T10:00:00+02:00\"", "yesterday")),
        r#"parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006""#
    );
    assert_eq!(
        message(&ns.replace("\"2024-03-01T10:00:00+02:00\"", "2024-03-01")),
        r#"parsing time "2024-03-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T""#
    );
    assert_eq!(
        message(&ns.replace("\"2024-03-01T10:00:00+02:00\"", "12")),
        "json: cannot unmarshal number into Go value of type string"
    );
    let lease = "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l}\nspec:\n  renewTime: \"2024-01-01T00:00:00.5Z\"\n";
    assert_eq!(
        message(lease),
        r#"parsing time "2024-01-01T00:00:00.5Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".5Z" as ".000000""#
    );
    let v = ok(&lease.replace(".5Z", ".500000+01:00"));
    assert_eq!(
        v.at(&["spec", "renewTime"]),
        &Value::str("2023-12-31T23:00:00.500000Z")
    );
}

#[test]
fn int_or_string_takes_either() {
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 80\n    targetPort: PORT\n";
    let port = |v: &Value| {
        v.at(&["spec", "ports"])
            .items()
            .next()
            .unwrap()
            .get("targetPort")
            .clone()
    };
    assert_eq!(port(&ok(&svc.replace("PORT", "8080"))), Value::Int(8080));
    assert_eq!(port(&ok(&svc.replace("PORT", "http"))), Value::str("http"));
    assert_eq!(
        port(&ok(&svc.replace("PORT", "\"8080\""))),
        Value::str("8080")
    );
    for (value, want) in [
        (
            "true",
            "json: cannot unmarshal bool into Go value of type int32",
        ),
        (
            "80.5",
            "json: cannot unmarshal number 80.5 into Go value of type int32",
        ),
        (
            "[80]",
            "json: cannot unmarshal array into Go value of type int32",
        ),
        (
            "4294967296",
            "json: cannot unmarshal number 4294967296 into Go value of type int32",
        ),
    ] {
        let errs = errors(&svc.replace("PORT", value));
        assert_eq!(errs[0].kind, DecodeErrorKind::Type);
        assert_eq!(errs[0].message, want);
    }
}

#[test]
fn nulls_are_dropped_except_in_free_form_json() {
    let v = ok(&deployment_with(
        "replicas: 3",
        "replicas: null\n  paused: ~",
    ));
    assert!(v.get("spec").as_object().unwrap().get("replicas").is_none());
    assert!(v.get("spec").as_object().unwrap().get("paused").is_none());
    // A null map value or list item is Go's zero value.
    let v = ok(&deployment_with(
        "    app: web\nspec",
        "    app: web\n    tier: null\nspec",
    ));
    assert_eq!(v.at(&["metadata", "labels", "tier"]), &Value::str(""));
    let rev = "apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: r}\nrevision: 2\ndata:\n  spec: {a: null, b: [1, 2.5, x]}\n  anything: {goes: true}\n";
    let v = ok(rev);
    assert_eq!(v.at(&["data", "spec", "a"]), &Value::Null);
    assert!(
        v.at(&["data", "spec"])
            .as_object()
            .unwrap()
            .contains_key("a")
    );
    assert_eq!(v.at(&["data", "anything", "goes"]), &Value::Bool(true));
}

#[test]
fn crd_schemas_decode_with_their_unions() {
    let crd = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          spec:
            type: object
            default: {replicas: 1}
            additionalProperties: false
            properties:
              cronSpec: {type: string, pattern: '^\\d+$'}
              image: {type: string, enum: [a, null]}
              replicas: {type: integer, minimum: 1}
              tags: {type: array, items: {type: string}}
";
    let v = ok(crd);
    let props = v
        .at(&["spec", "versions"])
        .items()
        .next()
        .unwrap()
        .at(&["schema", "openAPIV3Schema", "properties", "spec"])
        .clone();
    assert_eq!(props.get("additionalProperties"), &Value::Bool(false));
    assert_eq!(props.at(&["default", "replicas"]), &Value::Int(1));
    assert_eq!(
        props.at(&["properties", "tags", "items", "type"]),
        &Value::str("string")
    );
    // The empty `status` subresource struct has no fields.
    assert_eq!(
        message(&crd.replace("status: {}", "status: {x: 1}")),
        r#"strict decoding error: unknown field "spec.versions[0].subresources.status.x""#
    );
    assert_eq!(
        message(&crd.replace("additionalProperties: false", "additionalProperties: 5")),
        "boolean or JSON schema expected"
    );
    // Schemas inside the unions are decoded leniently, in a fresh context.
    assert_eq!(
        message(&crd.replace("items: {type: string}", "items: {type: 5}")),
        "json: cannot unmarshal number into Go struct field JSONSchemaProps.type of type string"
    );
    let lenient = ok(&crd.replace("items: {type: string}", "items: {type: string, bogus: 1}"));
    let tags = lenient
        .at(&["spec", "versions"])
        .items()
        .next()
        .unwrap()
        .at(&[
            "schema",
            "openAPIV3Schema",
            "properties",
            "spec",
            "properties",
            "tags",
            "items",
        ])
        .clone();
    assert_eq!(tags.as_object().unwrap().len(), 1);
}

#[test]
fn root_that_is_not_an_object() {
    let root = node("[1, 2]");
    let errs = decode(&root, by_kind("Pod").unwrap()).unwrap_err();
    assert_eq!(
        errs[0].message,
        "json: cannot unmarshal array into Go value of type v1.Pod"
    );
}

#[test]
fn strict_errors_are_capped_at_100() {
    let mut yaml = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    for i in 0..150 {
        yaml.push_str(&format!("x{i:03}: 1\n"));
    }
    let errs = errors(&yaml);
    assert_eq!(errs.len(), 100);
    assert_eq!(errs[0].message, r#"unknown field "x000""#);
    assert_eq!(errs[99].message, r#"unknown field "x099""#);
}

fn corpus_dir() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/k8s-website-examples");
    let dir = if dir.is_dir() {
        dir
    } else {
        PathBuf::from("/work/shared/corpus/k8s-website-examples")
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("note: {} is absent; corpus test skipped", dir.display());
        None
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// The Kubernetes documentation's examples: those in a preferred version
/// decode, except the two that use the long-removed `spec.ipFamily`, which
/// today's API server refuses the same way.
#[test]
fn documentation_examples_decode() {
    let Some(dir) = corpus_dir() else { return };
    let expected_failures = [
        (
            "service/networking/dual-stack-ipv6-lb-svc.yaml",
            r#"strict decoding error: unknown field "spec.ipFamily""#,
        ),
        (
            "service/networking/dual-stack-ipv6-svc.yaml",
            r#"strict decoding error: unknown field "spec.ipFamily""#,
        ),
    ];
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    files.sort();
    let mut decoded = 0;
    for file in &files {
        let name = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(docs) = load_str(&std::fs::read_to_string(file).unwrap()) else {
            continue; // Not valid YAML: the loader's business.
        };
        for doc in docs {
            let api_version = doc.root.get("apiVersion").and_then(Node::as_str);
            let kind = doc.root.get("kind").and_then(Node::as_str);
            let (Some(api_version), Some(kind)) = (api_version, kind) else {
                continue;
            };
            let Some(id) = by_kind(kind).filter(|id| id.get().api_version() == api_version) else {
                continue; // Another group, or an older version needing conversion.
            };
            let result = decode(&doc.root, id);
            match expected_failures.iter().find(|(f, _)| *f == name) {
                Some((_, want)) => {
                    assert_eq!(status_message(&result.unwrap_err()), *want, "{name}");
                }
                None => {
                    let value = result.unwrap_or_else(|e| panic!("{name}: {}", status_message(&e)));
                    // What is stored decodes to itself.
                    let again = decode(&node(&to_yaml(&value)), id)
                        .unwrap_or_else(|e| panic!("{name} again: {}", status_message(&e)));
                    assert_eq!(again, value, "{name}");
                    decoded += 1;
                }
            }
        }
    }
    assert!(decoded > 80, "only {decoded} documents decoded");
}

/// A tiny xorshift generator: deterministic, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ODD_STRINGS: &[&str] = &[
    "",
    "=",
    "0.5",
    "1e3",
    "-1",
    "1Gi",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00.123456+05:30",
    "\u{e9}\u{1F600}",
    "YWJj",
    "a==",
    "\"quoted\"\\",
    "99999999999999999999999999999999999",
    "T",
    ":",
];

fn mutate(node: &mut Node, rng: &mut XorShift, depth: usize) {
    let choice = rng.below(12);
    match &mut node.value {
        NodeValue::Map(entries) if !entries.is_empty() && choice < 8 => {
            let i = rng.below(entries.len());
            match choice {
                0 => entries[i].0.push('x'),
                1 => {
                    entries.remove(i);
                }
                _ => mutate(&mut entries[i].2, rng, depth + 1),
            }
            return;
        }
        NodeValue::Seq(items) if !items.is_empty() && choice < 8 => {
            let i = rng.below(items.len());
            mutate(&mut items[i], rng, depth + 1);
            return;
        }
        _ => {}
    }
    node.value = match rng.below(9) {
        0 => NodeValue::Null,
        1 => NodeValue::Bool(rng.next().is_multiple_of(2)),
        2 => NodeValue::Int(rng.next() as i64 >> rng.below(64)),
        3 => NodeValue::Float((rng.next() % 10_000) as f64 / 7.0),
        4 | 5 => NodeValue::String(ODD_STRINGS[rng.below(ODD_STRINGS.len())].to_string()),
        6 => NodeValue::Seq(vec![node.clone(), node.clone()]),
        7 => NodeValue::Map(vec![("k".into(), node.mark, node.clone())]),
        _ => {
            // Deep nesting.
            let mut deep = node.clone();
            for _ in 0..(depth % 5) * 20 {
                deep = Node {
                    value: NodeValue::Seq(vec![deep]),
                    mark: node.mark,
                };
            }
            deep.value
        }
    };
}

#[test]
fn random_mutations_never_panic() {
    let mut manifests: Vec<Node> = vec![node(DEPLOYMENT)];
    if let Some(dir) = corpus_dir() {
        let mut files = Vec::new();
        yaml_files(&dir, &mut files);
        files.sort();
        for file in files {
            if let Ok(docs) = load_str(&std::fs::read_to_string(&file).unwrap()) {
                manifests.extend(docs.into_iter().map(|d| d.root));
            }
        }
    }
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut failures = 0;
    for round in 0..3000 {
        let mut m = manifests[round % manifests.len()].clone();
        for _ in 0..=rng.below(4) {
            mutate(&mut m, &mut rng, 0);
        }
        let id = RESOURCES_FOR_FUZZ[rng.below(RESOURCES_FOR_FUZZ.len())];
        let id = by_kind(id).unwrap();
        match decode(&m, id) {
            Ok(v) => {
                // What decodes, decodes again to itself.
                assert_eq!(decode(&node(&to_yaml(&v)), id).as_ref(), Ok(&v));
            }
            Err(errs) => {
                assert!(!errs.is_empty());
                failures += 1;
            }
        }
        let _ = diagnose(&m, id);
    }
    assert!(failures > 100);
}

const RESOURCES_FOR_FUZZ: &[&str] = &[
    "Deployment",
    "Pod",
    "Service",
    "Secret",
    "CustomResourceDefinition",
    "Lease",
    "Event",
    "ControllerRevision",
];

#[test]
fn random_scalars_never_panic_the_go_parsers() {
    let mut rng = XorShift(42);
    let alphabet: Vec<char> = "0123456789-+:.,TZz=/ \n\u{e9}aAQ".chars().collect();
    for _ in 0..20_000 {
        let len = rng.below(40);
        let s: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        for layout in [
            golang::TimeLayout::Rfc3339,
            golang::TimeLayout::Rfc3339Micro,
        ] {
            if let Ok(t) = golang::parse_time(&s, layout) {
                let printed = t.format(layout);
                assert_eq!(golang::parse_time(&printed, layout), Ok(t), "{s:?}");
            }
        }
        if let Ok(bytes) = golang::base64_decode(s.as_bytes()) {
            let again = golang::base64_encode(&bytes);
            assert_eq!(golang::base64_decode(again.as_bytes()), Ok(bytes));
        }
        let _ = golang::quote(&s);
    }
}
