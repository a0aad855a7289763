//! The CSAF product tree: every product id mapped to what it names. Linux distribution
//! packages are found from the platform's CPE (`cpe:/o:redhat:enterprise_linux:9::baseos`,
//! `cpe:/o:debian:debian_linux:12`, `cpe:/o:canonical:ubuntu_linux:22.04`) and the
//! component's purl (`pkg:rpm/redhat/git-lfs@3.4.1-2.el9_4?arch=src&epoch=0`), joined by the
//! tree's `relationships`. Products of other platforms are kept unmapped and skipped later.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::error::FeedError;
use super::ids::is_package_name;
use super::json::At;
use crate::core::asset::Distro;

/// Branches nest (vendor → family → name → version); deeper than this is not a real document.
const MAX_DEPTH: usize = 32;
/// Products one document may define.
const MAX_PRODUCTS: usize = 200_000;

/// What a product id stands for, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Product {
    /// From a CPE: the distribution release the product is (or belongs to).
    pub platform: Option<(Distro, String)>,
    /// From a purl: package name and version (rpm versions with their epoch).
    pub package: Option<(String, Option<String>)>,
}

impl Product {
    /// `(distro, release, package, version)` when the product is a package of a release.
    pub(crate) fn distro_package(&self) -> Option<(Distro, &str, &str, Option<&str>)> {
        let (distro, release) = self.platform.as_ref()?;
        let (name, version) = self.package.as_ref()?;
        Some((*distro, release.as_str(), name.as_str(), version.as_deref()))
    }
}

/// Product ids of the tree, with what each names.
pub(crate) fn product_map(
    tree: &Map<String, Value>,
    at: &At,
) -> Result<HashMap<String, Product>, FeedError> {
    let mut products = HashMap::new();
    let mut pending: Vec<(&Value, At, usize)> = at
        .optional_array(tree, "branches")?
        .into_iter()
        .map(|(v, a)| (v, a, 0))
        .collect();
    while let Some((branch, branch_at, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            return Err(branch_at.error(format!("branches nest deeper than {MAX_DEPTH}")));
        }
        let branch = branch_at.object(branch)?;
        if let Some((product, product_at)) = branch_at.optional(branch, "product") {
            add_product(&mut products, product, &product_at)?;
        }
        for (child, child_at) in branch_at.optional_array(branch, "branches")? {
            pending.push((child, child_at, depth + 1));
        }
    }
    for (product, product_at) in at.optional_array(tree, "full_product_names")? {
        add_product(&mut products, product, &product_at)?;
    }
    for (relationship, rel_at) in at.optional_array(tree, "relationships")? {
        let relationship = rel_at.object(relationship)?;
        let (component, _) = rel_at.required_str(relationship, "product_reference")?;
        let (platform, _) = rel_at.required_str(relationship, "relates_to_product_reference")?;
        let (full, full_at) = rel_at.required(relationship, "full_product_name")?;
        let full = full_at.object(full)?;
        let (id, _) = full_at.required_str(full, "product_id")?;
        let joined = Product {
            platform: products.get(platform).and_then(|p| p.platform.clone()),
            package: products.get(component).and_then(|p| p.package.clone()),
        };
        insert(&mut products, id, joined, &full_at)?;
    }
    Ok(products)
}

fn add_product(
    products: &mut HashMap<String, Product>,
    product: &Value,
    at: &At,
) -> Result<(), FeedError> {
    let product = at.object(product)?;
    let (id, _) = at.required_str(product, "product_id")?;
    let mut found = Product::default();
    if let Some((helper, helper_at)) = at.optional(product, "product_identification_helper") {
        let helper = helper_at.object(helper)?;
        if let Some((cpe, cpe_at)) = helper_at.optional(helper, "cpe") {
            found.platform = cpe_platform(cpe_at.string(cpe)?);
        }
        if let Some((purl, purl_at)) = helper_at.optional(helper, "purl") {
            found.package = purl_package(purl_at.string(purl)?);
        }
    }
    if found.package.is_none() {
        found.package = nevra_package(id);
    }
    insert(products, id, found, at)
}

fn insert(
    products: &mut HashMap<String, Product>,
    id: &str,
    product: Product,
    at: &At,
) -> Result<(), FeedError> {
    if products.len() >= MAX_PRODUCTS {
        return Err(at.error(format!("more than {MAX_PRODUCTS} products")));
    }
    products.insert(id.to_string(), product);
    Ok(())
}

/// The distribution release a CPE (2.2 URI or 2.3 formatted) names, if it is one of ours.
pub(crate) fn cpe_platform(cpe: &str) -> Option<(Distro, String)> {
    let fields: Vec<&str> = if let Some(rest) = cpe.strip_prefix("cpe:2.3:") {
        rest.split(':').collect()
    } else {
        cpe.strip_prefix("cpe:/")?.split(':').collect()
    };
    let (vendor, product, version) = (fields.get(1)?, fields.get(2)?, fields.get(3)?);
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match (*vendor, *product) {
        ("redhat", p) if p == "enterprise_linux" || p.starts_with("rhel_") => {
            let major = version.split('.').next()?;
            digits(major).then(|| (Distro::Rhel, major.to_string()))
        }
        ("debian", "debian_linux") => {
            let major = version.split('.').next()?;
            digits(major).then(|| (Distro::Debian, major.to_string()))
        }
        ("canonical", "ubuntu_linux") => {
            let (yy, mm) = version.split_once('.')?;
            (digits(yy) && digits(mm)).then(|| (Distro::Ubuntu, version.to_string()))
        }
        _ => None,
    }
}

/// Name and version from an rpm or deb purl; rpm versions get their epoch (`0` unless the
/// `epoch` qualifier says otherwise), as Red Hat writes fixed versions.
pub(crate) fn purl_package(purl: &str) -> Option<(String, Option<String>)> {
    let rest = purl.strip_prefix("pkg:")?;
    let (kind, rest) = rest.split_once('/')?;
    if kind != "rpm" && kind != "deb" {
        return None;
    }
    let (path, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.split('#').next()?;
    let (_namespace, name_version) = path.split_once('/')?;
    let (name, version) = match name_version.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (name_version, None),
    };
    if !is_package_name(name) {
        return None;
    }
    let clean =
        |v: &str| v.bytes().all(|b| b.is_ascii_graphic()) && !v.is_empty() && v.len() <= 200;
    let version = match version {
        Some(v) if !clean(v) => return None,
        Some(v) if kind == "rpm" => {
            let epoch = qualifiers
                .split('&')
                .find_map(|q| q.strip_prefix("epoch="))
                .filter(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or("0");
            Some(format!("{epoch}:{v}"))
        }
        Some(v) => Some(
            v.replace("%3A", ":")
                .replace("%7E", "~")
                .replace("%2B", "+"),
        ),
        None => None,
    };
    Some((name.to_string(), version))
}

/// Red Hat names products without a purl by their NEVRA, `telnet-1:0.17-65.el7_6.x86_64`:
/// name, then `epoch:version-release`, then the architecture.
pub(crate) fn nevra_package(id: &str) -> Option<(String, Option<String>)> {
    const ARCHES: [&str; 12] = [
        "src", "noarch", "x86_64", "i386", "i686", "aarch64", "ppc64le", "ppc64", "ppc", "s390x",
        "s390", "ia64",
    ];
    let (rest, arch) = id.rsplit_once('.')?;
    if !ARCHES.contains(&arch) {
        return None;
    }
    let (rest, release) = rest.rsplit_once('-')?;
    let (name, epoch_version) = rest.rsplit_once('-')?;
    let (epoch, version) = epoch_version.split_once(':')?;
    let simple = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._+~^".contains(&b))
    };
    let valid = !epoch.is_empty()
        && epoch.bytes().all(|b| b.is_ascii_digit())
        && simple(version)
        && simple(release)
        && is_package_name(name);
    valid.then(|| {
        (
            name.to_string(),
            Some(format!("{epoch}:{version}-{release}")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpes_of_rhel_debian_and_ubuntu_map_to_releases() {
        assert_eq!(
            cpe_platform("cpe:/a:redhat:rhel_eus:9.4::appstream"),
            Some((Distro::Rhel, "9".into()))
        );
        assert_eq!(
            cpe_platform("cpe:/o:redhat:enterprise_linux:3::as"),
            Some((Distro::Rhel, "3".into()))
        );
        assert_eq!(
            cpe_platform("cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*"),
            Some((Distro::Debian, "12".into()))
        );
        assert_eq!(
            cpe_platform("cpe:/o:canonical:ubuntu_linux:22.04"),
            Some((Distro::Ubuntu, "22.04".into()))
        );
        assert_eq!(cpe_platform("cpe:/a:redhat:openshift:4.6::el8"), None);
        assert_eq!(cpe_platform("cpe:/a"), None);
    }

    #[test]
    fn purls_give_names_and_versions_with_rpm_epochs() {
        assert_eq!(
            purl_package("pkg:rpm/redhat/git-lfs@3.4.1-2.el9_4?arch=src"),
            Some(("git-lfs".into(), Some("0:3.4.1-2.el9_4".into())))
        );
        assert_eq!(
            purl_package("pkg:rpm/redhat/telnet@0.17-65.el7_6?arch=x86_64&epoch=1"),
            Some(("telnet".into(), Some("1:0.17-65.el7_6".into())))
        );
        assert_eq!(
            purl_package("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64"),
            Some(("openssl".into(), Some("3.0.11-1~deb12u2".into())))
        );
        assert_eq!(purl_package("pkg:npm/left-pad@1.0"), None);
        assert_eq!(
            nevra_package("telnet-server-1:0.17-65.el7_6.x86_64"),
            Some(("telnet-server".into(), Some("1:0.17-65.el7_6".into())))
        );
        assert_eq!(nevra_package("openshift4/ose:v4.6.0-1"), None);
        assert_eq!(purl_package("pkg:rpm/redhat/-rf@1"), None);
    }
}
