//! CSAF documents that are malformed or hostile: each is a clear error naming the file and the
//! field, never a panic.

use proptest::prelude::*;
use secureupdate::adapters::feeds::parse_csaf;
use serde_json::{Value, json};

const REAL: &[u8] =
    include_bytes!("../fixtures/samples/csaf/redhat-from-osv-schema/rhsa-2024_4546.json");

fn real() -> Value {
    serde_json::from_slice(REAL).unwrap()
}

fn error_of(document: &Value) -> String {
    parse_csaf(document.to_string().as_bytes(), "csaf/x.json")
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn a_truncated_document_names_line_and_column() {
    let error = parse_csaf(&REAL[..REAL.len() / 2], "csaf/x.json")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("csaf/x.json:"), "{error}");
    assert!(error.contains("truncated?"), "{error}");
}

#[test]
fn another_csaf_version_is_refused() {
    let mut doc = real();
    doc["document"]["csaf_version"] = json!("2.1");
    assert!(error_of(&doc).contains("document.csaf_version: expected \"2.0\""));
}

#[test]
fn ids_must_be_well_formed() {
    let mut doc = real();
    doc["document"]["tracking"]["id"] = json!("RHSA\u{1b}[2J");
    let error = error_of(&doc);
    assert!(error.contains("document.tracking.id"), "{error}");
    assert!(
        !error.contains('\u{1b}'),
        "no raw escape reaches the terminal: {error}"
    );
    let mut doc = real();
    doc["vulnerabilities"][0]["cve"] = json!("CVE-23-1");
    assert!(error_of(&doc).contains("vulnerabilities[0].cve: expected a CVE id"));
}

#[test]
fn wrong_types_and_unknown_remediations_are_refused() {
    let mut doc = real();
    doc["vulnerabilities"][0]["product_status"]["fixed"] = json!("all of them");
    assert!(error_of(&doc).contains("vulnerabilities[0].product_status.fixed: expected an array"));
    let mut doc = real();
    doc["vulnerabilities"][0]["remediations"][0]["category"] = json!("pray");
    assert!(error_of(&doc).contains("remediations[0].category: expected one of"));
    let mut doc = real();
    doc["product_tree"]["branches"] = json!({});
    assert!(error_of(&doc).contains("product_tree.branches: expected an array"));
}

#[test]
fn branches_nested_too_deep_are_refused() {
    let mut branch = json!({"category": "vendor", "name": "x"});
    for _ in 0..40 {
        branch = json!({"category": "vendor", "name": "x", "branches": [branch]});
    }
    let mut doc = real();
    doc["product_tree"] = json!({"branches": [branch]});
    assert!(error_of(&doc).contains("nest deeper than 32"));
}

#[test]
fn an_overlong_product_id_is_refused() {
    let mut doc = real();
    doc["vulnerabilities"][0]["product_status"]["fixed"] = json!(["p".repeat(2000)]);
    assert!(error_of(&doc).contains("product id longer than 1000 bytes"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Any byte flipped or any cut of a real document is parsed or refused, never a panic.
    #[test]
    fn damaged_documents_never_panic(position in 0usize..REAL.len(), byte in any::<u8>(), cut in 0usize..REAL.len()) {
        let mut damaged = REAL.to_vec();
        damaged[position] = byte;
        let _ = parse_csaf(&damaged, "csaf/x.json");
        let _ = parse_csaf(&REAL[..cut], "csaf/x.json");
    }
}
