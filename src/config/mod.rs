//! Site configuration: site.toml, policy.toml, inventory.toml.
