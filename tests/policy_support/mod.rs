//! The policy.toml text the test sites share: the SLA classes and a catch-all "low" decision,
//! then each site's own `[approval]` and `[rollout]` tables.

const CLASSES_AND_DECISION: &str = r#"default_class = "high"
[classes.critical]
sla_days = 3
[classes.high]
sla_days = 14
[classes.medium]
sla_days = 30
[classes.low]
sla_days = 90
[classes.on-upgrade]
sla_days = 180

[[decision]]
class = "low"
"#;

/// A policy with the shared classes and decision, and `tables` (the site's `[approval]` and
/// `[rollout]` text) after them.
pub fn policy(tables: &str) -> String {
    format!("{CLASSES_AND_DECISION}\n{tables}")
}
