//! Compiled matchers: label selectors, node selector terms, taints and
//! tolerations, with the semantics of `k8s.io/apimachinery/pkg/labels` and
//! `k8s.io/component-helpers/scheduling/corev1`. Everything is interned so
//! a match is a few integer comparisons.

use super::util::{Interner, Labels, Sym, label};
use crate::value::Value;

/// A selector operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

/// One requirement on a label (`key op values`).
#[derive(Clone, Debug)]
pub(crate) struct Requirement {
    pub(crate) key: Sym,
    pub(crate) op: Op,
    pub(crate) values: Box<[Sym]>,
    /// The single value of `Gt`/`Lt`, parsed.
    pub(crate) number: i64,
}

impl Requirement {
    #[inline]
    pub(crate) fn matches(&self, labels: &[(Sym, Sym)], interner: &Interner) -> bool {
        let v = label(labels, self.key);
        match self.op {
            Op::In => v.is_some_and(|v| self.values.contains(&v)),
            Op::NotIn => v.is_none_or(|v| !self.values.contains(&v)),
            Op::Exists => v.is_some(),
            Op::DoesNotExist => v.is_none(),
            Op::Gt => v
                .and_then(|v| interner.int(v))
                .is_some_and(|n| n > self.number),
            Op::Lt => v
                .and_then(|v| interner.int(v))
                .is_some_and(|n| n < self.number),
        }
    }
}

/// A compiled `metav1.LabelSelector`.
#[derive(Clone, Debug)]
pub(crate) enum Selector {
    /// Matches nothing (a nil selector, or one that did not parse).
    Nothing,
    /// Matches labels meeting every requirement (none: everything).
    Reqs(Box<[Requirement]>),
}

impl Selector {
    /// Compiles a LabelSelector object; `null` and invalid selectors match
    /// nothing, `{}` matches everything (`metav1.LabelSelectorAsSelector`).
    pub(crate) fn compile(v: &Value, interner: &mut Interner) -> Selector {
        Selector::compile_with(v, interner, &[])
    }

    /// Like [`Selector::compile`], plus extra requirements (merged
    /// `matchLabelKeys`).
    pub(crate) fn compile_with(
        v: &Value,
        interner: &mut Interner,
        extra: &[Requirement],
    ) -> Selector {
        if v.as_object().is_none() {
            return Selector::Nothing;
        }
        let mut reqs: Vec<Requirement> = Vec::new();
        for (k, val) in v.get("matchLabels").members() {
            let Some(val) = val.as_str() else {
                return Selector::Nothing;
            };
            reqs.push(Requirement {
                key: interner.intern(k),
                op: Op::In,
                values: Box::new([interner.intern(val)]),
                number: 0,
            });
        }
        for e in v.get("matchExpressions").items() {
            let Some(key) = e.get("key").as_str() else {
                return Selector::Nothing;
            };
            let values: Vec<Sym> = e
                .get("values")
                .items()
                .filter_map(|v| v.as_str().map(|s| interner.intern(s)))
                .collect();
            let op = match e.get("operator").as_str() {
                Some("In") if !values.is_empty() => Op::In,
                Some("NotIn") if !values.is_empty() => Op::NotIn,
                Some("Exists") if values.is_empty() => Op::Exists,
                Some("DoesNotExist") if values.is_empty() => Op::DoesNotExist,
                _ => return Selector::Nothing,
            };
            reqs.push(Requirement {
                key: interner.intern(key),
                op,
                values: values.into_boxed_slice(),
                number: 0,
            });
        }
        reqs.extend(extra.iter().cloned());
        Selector::Reqs(reqs.into_boxed_slice())
    }

    /// A selector equal to a set of labels (`labels.SelectorFromSet`).
    pub(crate) fn from_set(set: &[(Sym, Sym)]) -> Selector {
        Selector::Reqs(
            set.iter()
                .map(|&(k, v)| Requirement {
                    key: k,
                    op: Op::In,
                    values: Box::new([v]),
                    number: 0,
                })
                .collect(),
        )
    }

    #[inline]
    pub(crate) fn matches(&self, labels: &[(Sym, Sym)], interner: &Interner) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::Reqs(reqs) => reqs.iter().all(|r| r.matches(labels, interner)),
        }
    }
}

/// One requirement on `metadata.name` (`matchFields`).
#[derive(Clone, Debug)]
pub(crate) struct FieldRequirement {
    pub(crate) not_in: bool,
    pub(crate) names: Box<[Sym]>,
}

/// A compiled `NodeSelectorTerm`.
#[derive(Clone, Debug)]
pub(crate) struct NodeTerm {
    pub(crate) labels: Box<[Requirement]>,
    pub(crate) fields: Box<[FieldRequirement]>,
    /// A requirement did not parse: the term matches no node.
    pub(crate) invalid: bool,
}

impl NodeTerm {
    pub(crate) fn compile(v: &Value, interner: &mut Interner) -> NodeTerm {
        let mut invalid = false;
        let mut labels = Vec::new();
        for e in v.get("matchExpressions").items() {
            match node_requirement(e, interner) {
                Some(r) => labels.push(r),
                None => invalid = true,
            }
        }
        let mut fields = Vec::new();
        for e in v.get("matchFields").items() {
            let values: Vec<Sym> = e
                .get("values")
                .items()
                .filter_map(|v| v.as_str().map(|s| interner.intern(s)))
                .collect();
            // Only metadata.name with In/NotIn and one value is valid.
            match (e.get("key").as_str(), e.get("operator").as_str()) {
                (Some("metadata.name"), Some("In")) if values.len() == 1 => {
                    fields.push(FieldRequirement {
                        not_in: false,
                        names: values.into_boxed_slice(),
                    })
                }
                (Some("metadata.name"), Some("NotIn")) if values.len() == 1 => {
                    fields.push(FieldRequirement {
                        not_in: true,
                        names: values.into_boxed_slice(),
                    })
                }
                _ => invalid = true,
            }
        }
        NodeTerm {
            labels: labels.into_boxed_slice(),
            fields: fields.into_boxed_slice(),
            invalid,
        }
    }

    /// An empty term matches no node.
    #[inline]
    pub(crate) fn matches(&self, labels: &[(Sym, Sym)], name: Sym, interner: &Interner) -> bool {
        if self.invalid || (self.labels.is_empty() && self.fields.is_empty()) {
            return false;
        }
        self.labels.iter().all(|r| r.matches(labels, interner))
            && self
                .fields
                .iter()
                .all(|f| f.names.contains(&name) != f.not_in)
    }
}

fn node_requirement(e: &Value, interner: &mut Interner) -> Option<Requirement> {
    let key = interner.intern(e.get("key").as_str()?);
    let raw: Vec<&str> = e.get("values").items().filter_map(Value::as_str).collect();
    let values: Vec<Sym> = raw.iter().map(|s| interner.intern(s)).collect();
    let (op, number) = match e.get("operator").as_str()? {
        "In" if !values.is_empty() => (Op::In, 0),
        "NotIn" if !values.is_empty() => (Op::NotIn, 0),
        "Exists" if values.is_empty() => (Op::Exists, 0),
        "DoesNotExist" if values.is_empty() => (Op::DoesNotExist, 0),
        "Gt" if raw.len() == 1 => (Op::Gt, raw[0].parse::<i64>().ok()?),
        "Lt" if raw.len() == 1 => (Op::Lt, raw[0].parse::<i64>().ok()?),
        _ => return None,
    };
    Some(Requirement {
        key,
        op,
        values: values.into_boxed_slice(),
        number,
    })
}

/// `spec.nodeSelector` and the required node affinity, ANDed
/// (`nodeaffinity.GetRequiredNodeAffinity`).
#[derive(Clone, Debug, Default)]
pub(crate) struct RequiredNodeAffinity {
    pub(crate) node_selector: Option<Labels>,
    /// `None` when the pod has no required node affinity; terms are ORed.
    pub(crate) terms: Option<Box<[NodeTerm]>>,
}

impl RequiredNodeAffinity {
    pub(crate) fn compile(spec: &Value, interner: &mut Interner) -> RequiredNodeAffinity {
        let node_selector = match spec.get("nodeSelector") {
            v @ Value::Object(m) if !m.is_empty() => Some(super::util::intern_labels(interner, v)),
            _ => None,
        };
        let required = spec.at(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
        ]);
        let terms = if required.is_null() {
            None
        } else {
            Some(
                required
                    .get("nodeSelectorTerms")
                    .items()
                    .map(|t| NodeTerm::compile(t, interner))
                    .collect(),
            )
        };
        RequiredNodeAffinity {
            node_selector,
            terms,
        }
    }

    /// True when the pod constrains nodes at all.
    pub(crate) fn is_set(&self) -> bool {
        self.node_selector.is_some() || self.terms.is_some()
    }

    #[inline]
    pub(crate) fn matches(&self, labels: &[(Sym, Sym)], name: Sym, interner: &Interner) -> bool {
        if let Some(sel) = &self.node_selector
            && !sel.iter().all(|&(k, v)| label(labels, k) == Some(v))
        {
            return false;
        }
        match &self.terms {
            None => true,
            Some(terms) => terms.iter().any(|t| t.matches(labels, name, interner)),
        }
    }
}

/// A taint's effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
    Other,
}

impl Effect {
    pub(crate) fn parse(s: &str) -> Effect {
        match s {
            "NoSchedule" => Effect::NoSchedule,
            "PreferNoSchedule" => Effect::PreferNoSchedule,
            "NoExecute" => Effect::NoExecute,
            _ => Effect::Other,
        }
    }
}

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Taint {
    pub(crate) key: Sym,
    pub(crate) value: Sym,
    pub(crate) effect: Effect,
}

/// A pod toleration.
#[derive(Clone, Debug)]
pub(crate) struct Toleration {
    /// `None` for an empty key (tolerates every key with `Exists`).
    pub(crate) key: Option<Sym>,
    pub(crate) exists: bool,
    /// False for an unknown operator (tolerates nothing).
    pub(crate) valid: bool,
    pub(crate) value: Sym,
    /// `None` for an empty effect (all effects).
    pub(crate) effect: Option<Effect>,
}

impl Toleration {
    pub(crate) fn compile(v: &Value, interner: &mut Interner) -> Toleration {
        let key = v
            .get("key")
            .as_str()
            .filter(|k| !k.is_empty())
            .map(|k| interner.intern(k));
        let (exists, valid) = match v.get("operator").as_str().unwrap_or("") {
            "" | "Equal" => (false, true),
            "Exists" => (true, true),
            _ => (false, false),
        };
        Toleration {
            key,
            exists,
            valid,
            value: interner.intern(v.get("value").as_str().unwrap_or("")),
            effect: v
                .get("effect")
                .as_str()
                .filter(|e| !e.is_empty())
                .map(Effect::parse),
        }
    }

    /// `v1.Toleration.ToleratesTaint`.
    #[inline]
    pub(crate) fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        if self.key.is_some_and(|k| k != taint.key) {
            return false;
        }
        self.valid && (self.exists || self.value == taint.value)
    }
}

/// True when some toleration tolerates `taint`.
#[inline]
pub(crate) fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint))
}

/// The first NoSchedule/NoExecute taint no toleration tolerates
/// (`FindMatchingUntoleratedTaint` with `DoNotScheduleTaintsFilterFunc`).
#[inline]
pub(crate) fn untolerated_taint<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
) -> Option<&'a Taint> {
    taints.iter().find(|t| {
        matches!(t.effect, Effect::NoSchedule | Effect::NoExecute) && !tolerated(tolerations, t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::util::intern_labels;
    use crate::yaml::load_str;

    fn v(text: &str) -> Value {
        load_str(text).unwrap()[0].root.to_value()
    }

    #[test]
    fn label_selector_operators() {
        let mut i = Interner::default();
        let sel = Selector::compile(
            &v(
                "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [a, b]}\n- {key: canary, operator: DoesNotExist}\n- {key: env, operator: NotIn, values: [prod]}\n- {key: team, operator: Exists}\n",
            ),
            &mut i,
        );
        let ok = intern_labels(&mut i, &v("{app: web, tier: b, team: x}"));
        let canary = intern_labels(&mut i, &v("{app: web, tier: b, team: x, canary: 'y'}"));
        let prod = intern_labels(&mut i, &v("{app: web, tier: b, team: x, env: prod}"));
        let no_team = intern_labels(&mut i, &v("{app: web, tier: a}"));
        assert!(sel.matches(&ok, &i));
        assert!(!sel.matches(&canary, &i));
        assert!(!sel.matches(&prod, &i));
        assert!(!sel.matches(&no_team, &i));
        assert!(!Selector::compile(&Value::Null, &mut i).matches(&ok, &i));
        assert!(Selector::compile(&Value::object(), &mut i).matches(&ok, &i));
        // A bad operator makes the selector match nothing.
        let bad = Selector::compile(
            &v("matchExpressions: [{key: a, operator: Gt, values: ['1']}]"),
            &mut i,
        );
        assert!(!bad.matches(&ok, &i));
    }

    #[test]
    fn node_terms_with_gt_lt_and_fields() {
        let mut i = Interner::default();
        let node = intern_labels(&mut i, &v("{cores: '16', zone: a}"));
        let name = i.intern("node-1");
        let term = |t: &str, i: &mut Interner| NodeTerm::compile(&v(t), i);
        assert!(
            term(
                "matchExpressions: [{key: cores, operator: Gt, values: ['8']}]",
                &mut i
            )
            .matches(&node, name, &i)
        );
        assert!(
            !term(
                "matchExpressions: [{key: cores, operator: Lt, values: ['8']}]",
                &mut i
            )
            .matches(&node, name, &i)
        );
        assert!(
            !term(
                "matchExpressions: [{key: zone, operator: Gt, values: ['1']}]",
                &mut i
            )
            .matches(&node, name, &i)
        );
        assert!(
            term(
                "matchFields: [{key: metadata.name, operator: In, values: [node-1]}]",
                &mut i
            )
            .matches(&node, name, &i)
        );
        assert!(
            !term(
                "matchFields: [{key: metadata.name, operator: NotIn, values: [node-1]}]",
                &mut i
            )
            .matches(&node, name, &i)
        );
        assert!(!term("{}", &mut i).matches(&node, name, &i));
        assert!(
            !term(
                "matchExpressions: [{key: zone, operator: In, values: []}]",
                &mut i
            )
            .matches(&node, name, &i)
        );
    }

    #[test]
    fn tolerations_follow_tolerates_taint() {
        let mut i = Interner::default();
        let taint = Taint {
            key: i.intern("dedicated"),
            value: i.intern("gpu"),
            effect: Effect::NoSchedule,
        };
        let t = |s: &str, i: &mut Interner| Toleration::compile(&v(s), i);
        assert!(
            t(
                "{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}",
                &mut i
            )
            .tolerates(&taint)
        );
        assert!(t("{key: dedicated, value: gpu}", &mut i).tolerates(&taint));
        assert!(!t("{key: dedicated, value: cpu}", &mut i).tolerates(&taint));
        assert!(t("{key: dedicated, operator: Exists}", &mut i).tolerates(&taint));
        assert!(t("{operator: Exists}", &mut i).tolerates(&taint));
        assert!(!t("{operator: Exists, effect: NoExecute}", &mut i).tolerates(&taint));
        assert!(!t("{key: dedicated, operator: Lt, value: gpu}", &mut i).tolerates(&taint));
    }
}
